import type { ProtocolVersion, QoS } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from '../../src/client.js';
import { connect, createClient } from '../../src/index.js';
import type { Message } from '../../src/message.js';
import type { ClientOptions } from '../../src/options.js';
import { probedClient, transportProbe, waitUntil } from './transport-probe.js';

/** A broker under test: where to connect. */
export interface Peer {
  url(): string;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

/**
 * The round trips every broker we test against must support, for protocol levels 4 and 5:
 * QoS 0/1/2, retained, will on a cut connection, persistent session resume and (v5) topic aliases.
 */
export function roundTripSuite(name: string, peer: Peer, versions: ProtocolVersion[] = [4, 5]): void {
  const open: MqttClient[] = [];
  const client = async (options: ClientOptions = {}) => {
    const c = await connect(peer.url(), { reconnect: { initialDelay: 50, maxDelay: 500 }, ...options });
    open.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.end({ force: true })));
  });

  for (const protocolVersion of versions) {
    describe(`${name}: MQTT level ${protocolVersion}`, () => {
      it.each([0, 1, 2] as QoS[])(
        '[MQTT-4.2.0-1] [MQTT-7.1.2-1] round-trips a QoS %i message with its bytes intact',
        async (qos) => {
          const topic = unique('rt');
          const sub = await client({ protocolVersion });
          const pub = await client({ protocolVersion });
          const [granted] = await sub.subscribe(topic, { qos });
          expect(granted).toMatchObject({ topicFilter: topic, qos });
          const received = sub.messages(topic);
          const payload = new Uint8Array([0, 1, 2, 255, 128]);
          const result = await pub.publish(topic, payload, { qos });
          expect(result).toMatchObject({ topic, qos, reasonCode: 0 });
          const { value } = await received.next();
          expect(value).toMatchObject({ topic, qos, retain: false });
          expect([...(value as Message).payload]).toEqual([...payload]);
        },
      );

      it('delivers the retained message to a later subscriber and clears it', async () => {
        const topic = unique('retained');
        const pub = await client({ protocolVersion });
        await pub.publish(topic, 'kept', { qos: 1, retain: true });
        const sub = await client({ protocolVersion });
        const received = sub.messages(topic);
        await sub.subscribe(topic, { qos: 1 });
        const { value } = await received.next();
        expect(value?.retain).toBe(true);
        expect(value?.text()).toBe('kept');
        await pub.publish(topic, '', { qos: 1, retain: true });
      });

      it('publishes the will when the connection is cut', async () => {
        const topic = unique('will');
        const watcher = await client({ protocolVersion });
        const received = watcher.messages(topic);
        await watcher.subscribe(topic, { qos: 1 });
        const probe = transportProbe(protocolVersion);
        const dying = probedClient(
          peer.url(),
          { protocolVersion, reconnect: false, will: { topic, payload: 'gone', qos: 1 } },
          probe,
        );
        open.push(dying);
        await dying.whenConnected();
        probe.cut();
        const { value } = await received.next();
        expect(value?.text()).toBe('gone');
        expect(value?.qos).toBe(1);
      });

      it('resumes a persistent session and receives what was published while away', async () => {
        const topic = unique('session');
        const clientId = unique('persist');
        const session: ClientOptions = {
          protocolVersion,
          clientId,
          cleanStart: false,
          ...(protocolVersion === 5 ? { sessionExpiryInterval: 60 } : {}),
        };
        // v5 starts clean and keeps the session by its expiry; before v5 Clean Session must stay 0.
        const first = await client({ ...session, cleanStart: protocolVersion === 5 });
        await first.subscribe(topic, { qos: 1 });
        await first.end();
        const pub = await client({ protocolVersion });
        for (let i = 0; i < 5; i++) await pub.publish(topic, `m${i}`, { qos: 1 });
        // Listen before connecting: the server sends the stored messages right after CONNACK.
        const again = createClient(peer.url(), session);
        open.push(again);
        const connected = new Promise<boolean>((resolve) =>
          again.once('connect', (info) => resolve(info.sessionPresent)),
        );
        const texts: string[] = [];
        for await (const message of again.messages(topic)) {
          texts.push(message.text());
          if (texts.length === 5) break;
        }
        // MQTT 3.1 has no Session Present flag; the client assumes the session when Clean Session is 0.
        expect(await connected).toBe(true);
        expect(texts).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      });

      if (protocolVersion === 5) {
        it('[MQTT-3.3.2-9] uses outgoing topic aliases the server allows, and the subscriber sees full topics', async () => {
          const topic = unique('alias');
          const sub = await client({ protocolVersion });
          await sub.subscribe(topic, { qos: 1 });
          const received = sub.messages(topic);
          const probe = transportProbe(5);
          const pub = probedClient(peer.url(), { protocolVersion, autoTopicAlias: true }, probe);
          open.push(pub);
          await pub.whenConnected();
          const max = pub.serverProperties?.topicAliasMaximum ?? 0;
          expect(max).toBeGreaterThan(0);
          for (let i = 0; i < 3; i++) await pub.publish(topic, `a${i}`, { qos: 1 });
          const publishes = probe.sent.filter((p) => p.type === 'publish');
          expect(publishes.map((p) => p.type === 'publish' && [p.topic, p.properties?.topicAlias])).toEqual([
            [topic, 1],
            ['', 1],
            ['', 1],
          ]);
          for (let i = 0; i < 3; i++) {
            const { value } = await received.next();
            expect(value?.topic).toBe(topic);
            expect(value?.text()).toBe(`a${i}`);
          }
        });

        it('reports the server receive maximum and never exceeds it', async () => {
          const topic = unique('window');
          const pub = await client({ protocolVersion });
          const window = pub.serverProperties?.receiveMaximum ?? 65535;
          await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publish(topic, `w${i}`, { qos: 1 })));
          expect(pub.peakInflight).toBeLessThanOrEqual(window);
          await waitUntil(() => pub.inflightCount === 0, 5000, 'all acknowledged');
        });
      }
    });
  }
}
