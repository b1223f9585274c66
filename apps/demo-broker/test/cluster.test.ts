import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type BrokerProcess, runCli, startBroker } from './cli-process.js';

const withRedis = hasSystemPeer('redis-server');

describe.runIf(withRedis)('mq-broker --redis-url: two nodes serve as one broker', () => {
  let redis: RedisHandle;
  const nodes: BrokerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'mq-broker-cluster-'));

  beforeAll(async () => {
    redis = await startRedis();
    const base = ['--port', '0', '--ws-port', '0', '--no-sys'];
    // Node A: nodeId and a wrong URL from the file, the flag's URL wins. Node B: the URL from MQ_REDIS_URL.
    const file = join(dir, 'node-a.yaml');
    writeFileSync(file, 'cluster:\n  redis:\n    url: redis://127.0.0.1:1\n  nodeId: node-a\n');
    nodes.push(await startBroker([...base, '--config', file, '--redis-url', redis.url]));
    nodes.push(await startBroker(base, { MQ_REDIS_URL: redis.url }));
  });

  afterAll(async () => {
    const exits = await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const exit of exits) expect(exit.code).toBe(0);
  });

  it('announces the Redis store and cluster mode', () => {
    for (const node of nodes) {
      const line = node.logs.find((l) => l.msg.startsWith('cluster mode'));
      expect(line?.redis).toBe(`${redis.url}`);
      expect(line?.prefix).toBe('mq:');
      expect(node.logs.some((l) => l.store === 'redis')).toBe(true);
    }
    expect(nodes[0]?.logs.find((l) => l.msg.startsWith('cluster mode'))?.nodeId).toBe('node-a');
  });

  it('a subscriber on node A receives a QoS 1 message published to node B', async () => {
    const [a, b] = nodes;
    if (!a || !b) throw new Error('nodes did not start');
    const options = { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000 } as const;
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${a.port}`, { ...options, clientId: 'sub-on-a' });
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { ...options, clientId: 'pub-on-b' });
    try {
      const received = new Promise<{ topic: string; payload: string; qos: number }>((done) => {
        sub.on('message', (topic, payload, packet) =>
          done({ topic, payload: payload.toString(), qos: packet.qos }),
        );
      });
      await sub.subscribeAsync('cluster/test', { qos: 1 });
      await pub.publishAsync('cluster/test', 'from node b', { qos: 1 });
      expect(await received).toEqual({ topic: 'cluster/test', payload: 'from node b', qos: 1 });
    } finally {
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    }
  });

  it("publishes each node's $SYS topics under $SYS/brokers/<nodeId>, seen from the other node too", async () => {
    const file = join(dir, 'node-c.yaml');
    writeFileSync(file, 'cluster:\n  nodeId: node-c\nsys:\n  intervalMs: 200\n');
    const c = await startBroker([
      '--port',
      '0',
      '--ws-port',
      '0',
      '--config',
      file,
      '--redis-url',
      redis.url,
    ]);
    nodes.push(c);
    const [a] = nodes;
    if (!a) throw new Error('nodes did not start');
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${a.port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      clientId: 'sys-watcher',
    });
    try {
      const seen = new Promise<string>((done) => {
        watcher.on('message', (topic) => done(topic));
      });
      await watcher.subscribeAsync('$SYS/brokers/node-c/clients/connected', { qos: 0 });
      expect(await seen).toBe('$SYS/brokers/node-c/clients/connected');
    } finally {
      await watcher.endAsync();
    }
  });
});

describe('mq-broker --redis-url without a Redis', () => {
  it('stops start-up with exit code 1 naming the URL instead of hanging', async () => {
    // Port 1 on loopback refuses at once; start-up gives Redis 10 s before it gives up.
    const url = 'redis://:secret@127.0.0.1:1';
    const result = await runCli([
      '--redis-url',
      url,
      '--port',
      '0',
      '--ws-port',
      '0',
      '--log-format',
      'json',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'cannot start: Redis at redis://:***@127.0.0.1:1 did not answer within 10 s',
    );
    expect(result.stdout).not.toContain('secret');
  });

  it('refuses heartbeat timings that cannot detect a dead node, naming the field, before touching Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-broker-heartbeat-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, 'cluster:\n  redis:\n    url: redis://127.0.0.1:1\n  heartbeatMs: 2000\n');
    try {
      const result = await runCli([
        '--config',
        file,
        '--port',
        '0',
        '--ws-port',
        '0',
        '--log-format',
        'json',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^mq-broker: cluster\.deadAfterMs: .*heartbeatMs/m);
      expect(result.stdout).not.toContain('did not answer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
