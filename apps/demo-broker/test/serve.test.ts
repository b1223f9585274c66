import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type BrokerProcess, startBroker } from './cli-process.js';

const withMosquittoClients = hasSystemPeer('mosquitto_sub') && hasSystemPeer('mosquitto_pub');

function run(
  bin: string,
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${bin} did not finish in ${timeoutMs} ms: ${stdout} ${stderr}`));
    }, timeoutMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout });
    });
  });
}

async function roundTrip(url: string, protocolVersion: 4 | 5, topic: string): Promise<string> {
  const options = { protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000 } as const;
  const sub = await mqtt.connectAsync(url, options);
  const pub = await mqtt.connectAsync(url, options);
  try {
    const received = new Promise<string>((done) => {
      sub.on('message', (t, payload) => {
        if (t === topic) done(payload.toString());
      });
    });
    await sub.subscribeAsync(topic, { qos: 1 });
    await pub.publishAsync(topic, `hello over ${url}`, { qos: 1 });
    return await received;
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

describe('mq-broker serves real clients', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBroker(['--port', '0', '--ws-port', String(await freePort())]);
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('prints the bound ports and how to try it', () => {
    const ready = broker.logs.find((l) => l.msg === 'ready');
    expect(ready?.tryIt).toEqual(
      expect.arrayContaining([
        `mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t '#' -v`,
        expect.stringContaining(`--url mqtt://127.0.0.1:${broker.port} --sensors 5`),
      ]),
    );
    expect(broker.logs.some((l) => l.msg === `listening on ws://127.0.0.1:${broker.wsPort}/mqtt`)).toBe(true);
    expect(broker.logs.find((l) => l.listener === 'tcp')?.engine).toBe('native');
  });

  it('MQTT.js 3.1.1 and 5 over TCP', async () => {
    const url = `mqtt://127.0.0.1:${broker.port}`;
    expect(await roundTrip(url, 4, 'demo/tcp/v4')).toBe(`hello over ${url}`);
    expect(await roundTrip(url, 5, 'demo/tcp/v5')).toBe(`hello over ${url}`);
  });

  it('MQTT.js over WebSocket on /mqtt', async () => {
    const url = `ws://127.0.0.1:${broker.wsPort}/mqtt`;
    expect(await roundTrip(url, 5, 'demo/ws')).toBe(`hello over ${url}`);
  });

  it.runIf(withMosquittoClients)('mosquitto_pub and mosquitto_sub, with a retained message', async () => {
    const port = String(broker.port);
    const pub = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-t',
      'demo/mosquitto',
      '-m',
      'kept',
      '-r',
      '-q',
      '1',
    ]);
    expect(pub.code).toBe(0);
    // -C 1: exit after one message, which is the retained one.
    const sub = await run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-t',
      'demo/#',
      '-v',
      '-C',
      '1',
      '-W',
      '15',
      '-V',
      'mqttv5',
    ]);
    expect(sub.code).toBe(0);
    expect(sub.stdout.trim()).toBe('demo/mosquitto kept');
  });

  it.runIf(withMosquittoClients)('a live mosquitto_sub receives what mosquitto_pub sends', async () => {
    const port = String(broker.port);
    const before = broker.logs.filter((l) => l.msg.includes('connected (MQTT')).length;
    const sub = run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-t',
      'live/#',
      '-v',
      '-C',
      '2',
      '-W',
      '15',
    ]);
    await broker.waitForLog((l) => l.msg.includes('connected (MQTT') && broker.logs.indexOf(l) >= before);
    // The subscription is in place once mosquitto_sub is connected and has sent SUBSCRIBE; retry until seen.
    let result: { code: number | null; stdout: string } | undefined;
    const done = sub.then((r) => {
      result = r;
    });
    for (let i = 0; i < 100 && !result; i++) {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-t', 'live/x', '-m', String(i)]);
      await Promise.race([done, new Promise((r) => setTimeout(r, 100))]);
    }
    await done;
    expect(result?.code).toBe(0);
    expect(result?.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('logs connects and disconnects with their reason, and no line per message at info', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      clientId: 'log-check',
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    for (let i = 0; i < 20; i++) await client.publishAsync('demo/log', String(i), { qos: 1 });
    await client.endAsync();
    const connected = await broker.waitForLog(
      (l) => l.clientId === 'log-check' && l.msg.includes('connected (MQTT 5'),
    );
    expect(connected.level).toBe(30);
    const gone = await broker.waitForLog((l) => l.clientId === 'log-check' && l.msg.includes('disconnected'));
    expect(gone).toMatchObject({ by: 'client', reasonCode: 0 });
    expect(gone.msg).toContain('normal disconnection (0x00)');
    expect(broker.logs.some((l) => JSON.stringify(l).includes('demo/log'))).toBe(false);
  });
});

describe('mq-broker with listeners.mqtt.engine: net', () => {
  it('serves MQTT on node:net sockets when the config file asks for them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-broker-engine-'));
    const file = join(dir, 'net.yaml');
    writeFileSync(file, 'listeners:\n  mqtt:\n    engine: net\n');
    const broker = await startBroker(['--config', file, '--port', '0', '--ws-port', '0']);
    try {
      expect(broker.logs.find((l) => l.listener === 'tcp')?.engine).toBe('net');
      expect(await roundTrip(`mqtt://127.0.0.1:${broker.port}`, 5, 'engine/net')).toBe(
        `hello over mqtt://127.0.0.1:${broker.port}`,
      );
    } finally {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mq-broker log levels', () => {
  it('logs one line per message at trace (and none at info, above)', async () => {
    const trace = await startBroker(['--port', '0', '--ws-port', '0', '--log-level', 'trace']);
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${trace.port}`, {
        clientId: 'level-check',
        reconnectPeriod: 0,
      });
      await client.publishAsync('demo/level', 'x', { qos: 1 });
      await client.endAsync();
      const line = await trace.waitForLog((l) => l.msg === 'publish' && l.topic === 'demo/level');
      expect(line).toMatchObject({ clientId: 'level-check', qos: 1 });
    } finally {
      await trace.stop();
    }
  });
});
