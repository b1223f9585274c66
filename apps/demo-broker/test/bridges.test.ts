import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, runCli, startBroker } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mq-broker-bridges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const base = ['--port', '0', '--ws-port', '0', '--no-sys'];

describe('mq-broker bridges from the config file', () => {
  it('forwards an out topic to a second mq-broker and stops the bridge with DISCONNECT on shutdown', async () => {
    const remote = await startBroker(base);
    let local: BrokerProcess | undefined;
    const options = { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000 } as const;
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${remote.port}`, {
      ...options,
      clientId: 'hq-sub',
    });
    try {
      await sub.subscribeAsync('hq/site7/#', { qos: 1 });
      const file = configFile(
        'bridge.yaml',
        [
          'bridges:',
          `  - url: mqtt://127.0.0.1:${remote.port}`,
          '    clientId: site7-bridge',
          '    protocolVersion: 5',
          '    topics:',
          '      - { pattern: sensors/#, direction: out, qos: 1, localPrefix: site/, remotePrefix: hq/site7/ }',
          '',
        ].join('\n'),
      );
      local = await startBroker([...base, '--config', file]);
      await local.waitForLog((l) => l.msg === 'bridge connected' && l.bridge === 'site7-bridge');

      const received = new Promise<{ topic: string; payload: string }>((done) => {
        sub.on('message', (topic, payload) => done({ topic, payload: payload.toString() }));
      });
      const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${local.port}`, {
        ...options,
        clientId: 'site-pub',
      });
      await pub.publishAsync('site/sensors/t1', '21.5', { qos: 1 });
      await pub.endAsync();
      expect(await received).toEqual({ topic: 'hq/site7/sensors/t1', payload: '21.5' });

      expect((await local.stop()).code).toBe(0);
      // The bridge said goodbye itself: stopped before the local broker closed, not cut off by the exit.
      const gone = await remote.waitForLog(
        (l) => l.clientId === 'site7-bridge' && l.msg.startsWith('client site7-bridge disconnected'),
      );
      expect(gone.by).toBe('client');
    } finally {
      await sub.endAsync();
      await local?.stop();
      await remote.stop();
    }
  });

  it('a bad topic direction is refused naming the field', async () => {
    const file = configFile(
      'bad-direction.yaml',
      'bridges:\n  - url: mqtt://127.0.0.1:1\n    clientId: b\n    topics:\n      - { pattern: a/#, direction: sideways, qos: 1 }\n',
    );
    const result = await runCli(['--config', file, ...base]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: bridges[0].topics[0].direction: expected one of "in", "out", "both", got "sideways"`,
    );
  });

  it('an unknown key in a bridge is refused by name with the closest known key', async () => {
    const file = configFile(
      'typo.yaml',
      'bridges:\n  - url: mqtt://127.0.0.1:1\n    clientid: b\n    topics:\n      - { pattern: a/#, direction: out, qos: 1 }\n',
    );
    const result = await runCli(['--config', file, ...base]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: bridges[0].clientid: unknown key "clientid" (did you mean "clientId"?)`,
    );
  });

  it('a mapping that createBridge refuses names the bridge and the mapping', async () => {
    const file = configFile(
      'bad-prefix.yaml',
      'bridges:\n  - url: mqtt://127.0.0.1:1\n    clientId: b\n    topics:\n      - { pattern: a/#, direction: out, qos: 1, localPrefix: "x/+/" }\n',
    );
    const result = await runCli(['--config', file, ...base, '--log-format', 'json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mq-broker: bridges[0].topics[0]:');
  });
});
