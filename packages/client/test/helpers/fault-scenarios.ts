import type { MqttClient } from '../../src/client.js';
import { createClient } from '../../src/index.js';
import type { PublishResult } from '../../src/outgoing.js';
import { probedClient, transportProbe, waitUntil } from './transport-probe.js';

export interface CutOutcome {
  /** Messages (as `q<qos>:<index>`) the subscriber never got. */
  lost: string[];
  /** QoS 2 messages the subscriber got more than once. */
  duplicatesQoS2: string[];
  /** PUBLISH packets sent again with DUP after the cut. */
  resent: number;
}

/**
 * A publisher streams `n` QoS 1 and `n` QoS 2 messages; halfway through its socket is destroyed.
 * It reconnects, resumes its session and must get every message to the subscriber, QoS 2 once.
 */
export async function cutPublisherMidStream(
  url: string,
  prefix: string,
  clients: MqttClient[],
  n = 2000,
): Promise<CutOutcome> {
  const counts = { 1: new Uint16Array(n), 2: new Uint16Array(n) };
  const sub = createClient(url, { protocolVersion: 5, clientId: `${prefix}-cut-sub` });
  clients.push(sub);
  sub.on('message', (message) => {
    const slots = counts[message.qos === 2 ? 2 : 1];
    const index = Number(message.text());
    slots[index] = (slots[index] ?? 0) + 1;
  });
  await sub.subscribe(`${prefix}/cut/#`, { qos: 2 });
  const probe = transportProbe(5);
  const pub = probedClient(
    url,
    {
      protocolVersion: 5,
      clientId: `${prefix}-cut-pub`,
      cleanStart: false,
      sessionExpiryInterval: 600,
      reconnect: { initialDelay: 20, maxDelay: 200 },
    },
    probe,
  );
  clients.push(pub);
  await pub.whenConnected();
  let settled = 0;
  const done: Array<Promise<PublishResult>> = [];
  for (let i = 0; i < n; i++) {
    for (const qos of [1, 2] as const) {
      done.push(pub.publish(`${prefix}/cut/q${qos}`, String(i), { qos }).finally(() => (settled += 1)));
    }
  }
  await waitUntil(() => settled >= n / 2, 30_000, 'a quarter of the stream acknowledged');
  probe.cut();
  await Promise.all(done);
  await waitUntil(
    () => counts[1].every((c) => c >= 1) && counts[2].every((c) => c >= 1),
    30_000,
    'all delivered',
  );
  const lost: string[] = [];
  const duplicatesQoS2: string[] = [];
  for (const qos of [1, 2] as const) {
    counts[qos].forEach((c, i) => {
      if (c === 0) lost.push(`q${qos}:${i}`);
      if (qos === 2 && c > 1) duplicatesQoS2.push(`q2:${i}`);
    });
  }
  return { lost, duplicatesQoS2, resent: probe.sent.filter((p) => p.type === 'publish' && p.dup).length };
}
