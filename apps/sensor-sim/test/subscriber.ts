import mqtt, { type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

/** An MQTT.js subscriber that records everything and lets a test wait for a condition. */
export async function subscribe(url: string, filter: string, protocolVersion: 4 | 5 = 5, insecure = false) {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion,
    reconnectPeriod: 0,
    ...(insecure ? { rejectUnauthorized: false } : {}),
  });
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, text: payload.toString(), retain: packet.retain });
    for (const w of [...waiters]) w();
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    received,
    until: (condition: () => boolean, timeoutMs = 30_000) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (!condition()) return;
          clearTimeout(timer);
          waiters.delete(check);
          done();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`condition not met within ${timeoutMs} ms; got ${received.length} messages`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => client.endAsync(),
  };
}

/** The latest payload seen on each topic. */
export function latest(received: readonly Received[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of received) map.set(r.topic, r.text);
  return map;
}
