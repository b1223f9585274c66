import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, createBroker } from '@mq/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import type { MqttClient } from '../src/client.js';
import { connect } from '../src/index.js';
import { waitUntil } from './helpers/transport-probe.js';

const script = join(import.meta.dirname, 'fixtures', 'file-store-publisher.ts');
const qos2Script = join(import.meta.dirname, 'fixtures', 'qos2-kill-after-publish.ts');

/** Runs a publisher script (file-store-publisher.ts by default); `onLine` sees each stdout line. */
function runPublisher(
  args: string[],
  onLine: (line: string, child: ChildProcess) => void,
  fixture = script,
): Promise<number | null> {
  const child = spawn(process.execPath, ['--conditions', 'source', '--import', 'tsx', fixture, ...args], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(code);
      else reject(new Error(`publisher exited with ${code ?? signal}: ${errors}`));
    });
  });
}

describe.runIf(hasSystemPeer('mosquitto'))('fault: publisher process killed with SIGKILL (FileStore)', () => {
  let mosquitto: MosquittoHandle | undefined;
  let dir = '';
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    mosquitto = await startMosquitto({ extraConfig: 'max_queued_messages 0' });
    dir = mkdtempSync(join(tmpdir(), 'mq-sigkill-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end({ force: true })));
    await disposeMosquitto(mosquitto);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['while connected, mid-stream', true],
    ['while the broker is down', false],
  ])(
    'delivers every accepted message after a restart (%s)',
    async (label, brokerUp) => {
      const url = `mqtt://127.0.0.1:${mosquitto?.port}`;
      const topic = `sigkill/${brokerUp ? 'up' : 'down'}`;
      const storePath = join(dir, `${brokerUp ? 'up' : 'down'}.log`);
      const seen = new Map<number, number>();
      const sub = await connect(url, { protocolVersion: 5, reconnect: { initialDelay: 50, maxDelay: 200 } });
      clients.push(sub);
      sub.on('message', (m) => seen.set(Number(m.text()), (seen.get(Number(m.text())) ?? 0) + 1));
      await sub.subscribe(topic, { qos: 1 });
      if (!brokerUp) await mosquitto?.stop();

      // Kill the publisher once it has accepted 300 of 5000 messages.
      let accepted = -1;
      await runPublisher([url, storePath, '5000', topic], (line, child) => {
        const index = Number(line.split(' ')[1]);
        accepted = Math.max(accepted, index);
        if (accepted === 300) child.kill('SIGKILL');
      });
      expect(accepted).toBeGreaterThanOrEqual(300);
      if (!brokerUp) {
        expect(seen.size).toBe(0);
        await mosquitto?.restart();
        await sub.whenConnected();
        // The broker lost the subscription with its memory; subscribing again makes sure it is back.
        await sub.subscribe(topic, { qos: 1 });
      }

      let drained = false;
      await runPublisher([url, storePath, '0', topic], (line) => {
        if (line === 'drained') drained = true;
      });
      expect(drained).toBe(true);
      await waitUntil(
        () => Array.from({ length: accepted + 1 }, (_, i) => i).every((i) => seen.has(i)),
        15_000,
        `${label}: all accepted messages`,
      );
      expect([...seen.keys()].filter((i) => i <= accepted).length).toBe(accepted + 1);
    },
    60_000,
  );
});

describe('fault: QoS 2 publisher killed the moment a PUBLISH leaves (FileStore, @mq/broker)', () => {
  let broker: Broker | undefined;
  let dir = '';
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    broker = createBroker({
      listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
      sys: { enabled: false },
    });
    await broker.listen();
    dir = mkdtempSync(join(tmpdir(), 'mq-sigkill-qos2-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end({ force: true })));
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[MQTT-4.3.3-1] delivers A, B and C exactly once: the packet id is in the store before its PUBLISH leaves, so no id in use is given out again', async () => {
    const port = broker?.addresses()[0]?.port;
    const url = `mqtt://127.0.0.1:${port}`;
    const topic = 'sigkill/qos2';
    const storePath = join(dir, 'qos2.log');
    const seen: string[] = [];
    const sub = await connect(url, { protocolVersion: 5 });
    clients.push(sub);
    sub.on('message', (m) => seen.push(m.text()));
    await sub.subscribe(topic, { qos: 2 });

    // Dies by its own SIGKILL right after B's PUBLISH is written to the socket.
    expect(await runPublisher([url, storePath, 'first', topic], () => {}, qos2Script)).toBeNull();
    let done = false;
    await runPublisher(
      [url, storePath, 'second', topic],
      (line) => {
        if (line === 'done') done = true;
      },
      qos2Script,
    );
    expect(done).toBe(true);
    await waitUntil(() => seen.length >= 3, 10_000, 'three deliveries');
    // A resend would show as a fourth delivery; give it the time a redelivery takes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // B went out with the id the store held, so the broker knew the resend; C got a free id.
    expect(seen).toEqual(['A', 'B', 'C']);
  }, 30_000);
});
