import { type AuthHooks, type Broker, createBroker } from '@mq/broker';
import type { Redis, RedisOptions } from 'ioredis';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { type RedisConnection, RedisPersistence, RedisRouteBus } from '../src/index.js';

/** One broker node of a test cluster. */
export interface ClusterNode {
  broker: Broker;
  port: number;
  bus: RedisRouteBus;
  persistence: RedisPersistence;
}

/** Starts a broker on a free loopback port with Redis persistence and route bus, attached for hand-offs. */
export async function startNode(
  redisUrl: string,
  prefix: string,
  nodeId: string,
  extra: {
    auth?: AuthHooks;
    handoffTimeoutMs?: number;
    /** Instead of the URL (see crashableRedis). */
    redis?: RedisConnection;
    /** The bus's heartbeat and dead-after window, and the persistence's heartbeat. */
    liveness?: { heartbeatMs: number; deadAfterMs: number; persistenceHeartbeatMs: number };
    onError?: (error: Error) => void;
  } = {},
): Promise<ClusterNode> {
  const redis = extra.redis ?? redisUrl;
  const onError = extra.onError && { onError: extra.onError };
  const liveness = extra.liveness;
  const persistence = new RedisPersistence({
    redis,
    prefix,
    ...(liveness && { heartbeatMs: liveness.persistenceHeartbeatMs }),
    ...onError,
  });
  const bus = new RedisRouteBus({
    redis,
    prefix,
    nodeId,
    handoffTimeoutMs: extra.handoffTimeoutMs ?? 3000,
    ...(liveness && { heartbeatMs: liveness.heartbeatMs, deadAfterMs: liveness.deadAfterMs }),
    ...onError,
  });
  const broker = createBroker({
    listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
    persistence,
    routeBus: bus,
    sys: { enabled: false },
    ...(extra.auth && { auth: extra.auth }),
  });
  bus.attach(broker, persistence);
  const [address] = await broker.listen();
  // Only once subscribed does this node hear what the others publish.
  await bus.ready();
  return { broker, port: address!.port, bus, persistence };
}

/** ioredis options whose connections carry `name` (the bus's subscriber too, a duplicate), for CLIENT LIST. */
export function namedRedis(redisUrl: string, name: string): RedisOptions {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port), connectionName: name };
}

/** Named connections that never reconnect: killing them in Redis cuts the node off for good. */
export function crashableRedis(redisUrl: string, name: string): RedisOptions {
  return { ...namedRedis(redisUrl, name), retryStrategy: () => null };
}

/** Ids of the connections named `name`; `subscriber` picks the one in pub/sub mode, or the others. */
export async function connectionIds(admin: Redis, name: string, subscriber?: boolean): Promise<string[]> {
  const clients = (await admin.call('CLIENT', 'LIST')) as string;
  return clients
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .filter((line) => subscriber === undefined || / sub=[1-9]/.test(line) === subscriber)
    .map((line) => /^id=(\d+)/.exec(line)?.[1])
    .filter((id) => id !== undefined);
}

/**
 * What a crash (SIGKILL, power loss) leaves behind, without the node's clean shutdown: Redis drops all
 * of the node's connections at once (no Reset, no Left frame, no more heartbeats, liveness key left to
 * lapse), then its client sockets go away without DISCONNECT.
 */
export async function crash(admin: Redis, node: ClusterNode, name: string): Promise<void> {
  const ids = await connectionIds(admin, name);
  if (ids.length < 3) throw new Error(`expected the node's three Redis connections, found ${ids.length}`);
  for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
  for (const conn of node.broker.connections.values()) conn.destroy();
}

export type Collector = ReturnType<typeof collect>;

/**
 * Connects MQTT.js (no automatic reconnect) and resolves with the client, its CONNACK, a collector
 * attached before the CONNACK (a resumed session sends right after it) and a promise of the close.
 */
export function connect(
  port: number,
  options: IClientOptions,
): Promise<{ client: MqttClient; connack: IConnackPacket; got: Collector; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...options,
    });
    const got = collect(client);
    // Registered now: a takeover may close the socket right after the CONNACK.
    const closed = new Promise<void>((resolveClosed) => client.once('close', () => resolveClosed()));
    client.once('connect', (connack) => {
      client.removeListener('error', reject);
      resolve({ client, connack, got, closed });
    });
    client.once('error', reject);
  });
}

export function endClient(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

/** Collects the messages a client receives; `until(predicate)` waits for a matching one. */
/** The payloads a member received on `jobs/...` topics (the shared-group tests' work items), in order. */
export function jobs(got: Collector): string[] {
  return got.messages.filter((m) => m.topic.startsWith('jobs/')).map((m) => m.payload);
}

export function collect(client: MqttClient) {
  const messages: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
    for (const w of waiters) w();
  });
  return {
    messages,
    until(predicate: (m: (typeof messages)[number]) => boolean, what: string, ms = 15_000): Promise<void> {
      if (messages.some(predicate)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${messages.length} messages`));
        }, ms);
        const check = () => {
          if (!messages.some(predicate)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

/** Polls `condition` until it holds (rejects after `ms`). */
export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
