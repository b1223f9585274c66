import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { collectMessages, endClient, mqttConnect, type Started, startBroker } from './harness.js';

const hasClients = hasSystemPeer('mosquitto_sub') && hasSystemPeer('mosquitto_pub');

let started: Started | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await started?.close();
  started = undefined;
});

function run(
  bin: string,
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

/**
 * mosquitto_pub or mosquitto_sub against the broker under test, speaking `version`: `args` is split at
 * spaces, `more` is passed as it is (for values with spaces).
 */
function mosquitto(
  bin: 'mosquitto_pub' | 'mosquitto_sub',
  port: number,
  version: string,
  args: string,
  ...more: string[]
) {
  return run(bin, ['-h', '127.0.0.1', '-p', String(port), '-V', version, ...args.split(' '), ...more]);
}

function subscribed(s: Started, clientId: string): Promise<void> {
  return new Promise((resolve) => {
    const onSub = (_subs: unknown, client: { clientId: string }) => {
      if (client.clientId !== clientId) return;
      s.broker.off('subscribe', onSub);
      resolve();
    };
    s.broker.on('subscribe', onSub);
  });
}

function disconnected(s: Started, clientId: string): Promise<void> {
  return new Promise((resolve) => {
    const onGone = (client: { clientId: string }) => {
      if (client.clientId !== clientId) return;
      s.broker.off('clientDisconnect', onGone);
      resolve();
    };
    s.broker.on('clientDisconnect', onGone);
  });
}

describe.runIf(hasClients)('mosquitto_pub / mosquitto_sub', () => {
  for (const version of ['mqttv311', 'mqttv5'] as const) {
    it(`[MQTT-4.3.3-1] [MQTT-4.3.2-1] delivers QoS 0/1/2 from mosquitto_pub to mosquitto_sub (${version})`, async () => {
      started = await startBroker();
      const { port } = started;
      for (const qos of ['0', '1', '2']) {
        const id = `sub-${version}-${qos}`;
        const ready = subscribed(started, id);
        const sub = mosquitto('mosquitto_sub', port, version, `-i ${id} -q ${qos} -t mq/+ -C 1 -v`);
        await ready;
        const pub = mosquitto('mosquitto_pub', port, version, `-q ${qos} -t mq/x -m`, `hello ${qos}`);
        expect((await pub.done).code).toBe(0);
        const result = await sub.done;
        expect(result.code).toBe(0);
        expect(result.out.trim()).toBe(`mq/x hello ${qos}`);
      }
    });

    it(`[MQTT-3.3.1-5] [MQTT-3.3.1-6] serves a retained message to mosquitto_sub (${version})`, async () => {
      started = await startBroker();
      const { port } = started;
      const pub = mosquitto('mosquitto_pub', port, version, '-q 1 -r -t ret/a -m kept');
      expect((await pub.done).code).toBe(0);
      const sub = mosquitto('mosquitto_sub', port, version, '-t ret/# -C 1 -v');
      expect((await sub.done).out.trim()).toBe('ret/a kept');
    });

    it(`[MQTT-3.1.2-5] queues QoS 1 for an offline persistent mosquitto_sub session (${version})`, async () => {
      started = await startBroker();
      const { port } = started;
      const id = `persist-${version}`;
      const persist = version === 'mqttv5' ? '-c -x 300' : '-c';
      const ready = subscribed(started, id);
      const first = mosquitto('mosquitto_sub', port, version, `-i ${id} ${persist} -q 1 -t off/# -W 30`);
      await ready;
      const gone = disconnected(started, id);
      first.child.kill('SIGKILL');
      await first.done;
      await gone;
      const pub = mosquitto('mosquitto_pub', port, version, '-q 1 -t off/a -m queued');
      expect((await pub.done).code).toBe(0);
      const second = mosquitto('mosquitto_sub', port, version, `-i ${id} ${persist} -q 1 -t off/# -C 1 -v`);
      expect((await second.done).out.trim()).toBe('off/a queued');
    });

    it(`[MQTT-3.1.2-8] publishes the will of a killed mosquitto_sub (${version})`, async () => {
      started = await startBroker();
      const watcher = await mqttConnect(started.port, { protocolVersion: version === 'mqttv5' ? 5 : 4 });
      const got = collectMessages(watcher);
      await watcher.subscribeAsync('wills/#', { qos: 1 });
      const id = `willer-${version}`;
      const ready = subscribed(started, id);
      const will = '--will-topic wills/x --will-payload dead --will-qos 1';
      const sub = mosquitto('mosquitto_sub', started.port, version, `-i ${id} -t x ${will}`);
      await ready;
      sub.child.kill('SIGKILL');
      await got.waitForCount(1);
      expect(got.messages[0]).toMatchObject({ topic: 'wills/x', payload: 'dead' });
      await endClient(watcher);
    });
  }

  it('passes MQTT 5 user properties from mosquitto_pub to an MQTT.js subscriber', async () => {
    started = await startBroker();
    const sub = await mqttConnect(started.port, { protocolVersion: 5 });
    const got = collectMessages(sub);
    await sub.subscribeAsync('up', { qos: 1 });
    const properties = '-D publish user-property k v -D publish content-type text/plain';
    const pub = mosquitto('mosquitto_pub', started.port, 'mqttv5', `-q 1 -t up -m x ${properties}`);
    expect((await pub.done).code).toBe(0);
    await got.waitForCount(1);
    expect(got.messages[0]?.packet.properties).toMatchObject({
      userProperties: { k: 'v' },
      contentType: 'text/plain',
    });
    await endClient(sub);
  });
});
