import { type Broker, createBroker } from '@mq/broker';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Bridge, BridgeState } from '../src/index.js';

/** A broker on a free loopback port, $SYS off (its messages are noise here). */
export async function startBroker(): Promise<{ broker: Broker; port: number }> {
  const broker = createBroker({
    listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
    sys: { enabled: false, intervalMs: 10_000 },
  });
  const [address] = await broker.listen();
  if (!address) throw new Error('broker has no address');
  return { broker, port: address.port };
}

/** An MQTT.js client, connected; no automatic reconnect unless asked. */
export function mqttConnect(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...options,
    });
    const onError = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('error', onError);
    // Later errors (a reconnect refused while the peer restarts) must not end the client.
    client.once('connect', () => {
      client.off('error', onError);
      client.on('error', () => {});
      resolve(client);
    });
  });
}

export function endClient(client: MqttClient | undefined): Promise<void> {
  if (!client) return Promise.resolve();
  return new Promise((resolve) => client.end(true, {}, () => resolve()));
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  packet: mqtt.IPublishPacket;
}

/** Records what an MQTT.js client receives; `waitFor` resolves on the n-th message or a predicate. */
export function collect(client: MqttClient) {
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, packet });
    for (const w of waiters) w();
  });
  const waitUntil = (done: () => boolean, what: () => string, ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out: ${what()}`));
      }, ms);
      waiters.add(check);
    });
  return {
    messages,
    payloads: () => messages.map((m) => m.payload),
    waitForCount: (n: number, ms = 15_000) =>
      waitUntil(
        () => messages.length >= n,
        () => `got ${messages.length} of ${n} messages`,
        ms,
      ),
    /** Resolves once every payload in `expected` has arrived (duplicates allowed). */
    waitForPayloads: (expected: Iterable<string>, ms = 20_000) => {
      const missing = new Set(expected);
      let seen = 0;
      const update = () => {
        for (; seen < messages.length; seen++) missing.delete(messages[seen]!.payload);
        return missing.size === 0;
      };
      return waitUntil(
        update,
        () => `${missing.size} payloads missing, e.g. ${[...missing].slice(0, 3).join(', ')}`,
        ms,
      );
    },
  };
}

/** Resolves when the bridge reaches `state` (at once if it is there). */
export function bridgeState(bridge: Bridge, state: BridgeState, ms = 15_000): Promise<void> {
  if (bridge.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      bridge.off('state', listener);
      reject(new Error(`bridge still ${bridge.state}, wanted ${state}`));
    }, ms);
    const listener = (next: BridgeState) => {
      if (next !== state) return;
      clearTimeout(timer);
      bridge.off('state', listener);
      resolve();
    };
    bridge.on('state', listener);
  });
}

/** Resolves when `check` holds, polling on a short timer (for counters with no event). */
export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes n QoS 1 messages `prefix-0..n-1` without waiting for each ack in turn. */
export async function publishMany(
  client: MqttClient,
  topic: string,
  prefix: string,
  n: number,
): Promise<string[]> {
  const payloads = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await Promise.all(payloads.map((p) => client.publishAsync(topic, p, { qos: 1 })));
  return payloads;
}

/** Fast reconnects so tests spend no time in backoff. */
export const FAST_RECONNECT = { initialDelay: 50, maxDelay: 300, factor: 2, jitter: 0.2 } as const;
