/**
 * Publish throughput of @mq/client: N messages per QoS from one publisher to one subscriber,
 * against @mq/broker (in this process) and Mosquitto (when installed).
 * Run: pnpm --filter @mq/client bench   (MQ_BENCH_N to change N, default 20000)
 */
import { spawnSync } from 'node:child_process';
import { createBroker } from '@mq/broker';
import { disposeMosquitto, startMosquitto } from '../../../test-support/mosquitto.js';
import { connect } from '../src/index.js';

const N = Number(process.env.MQ_BENCH_N ?? 20_000);

async function run(label: string, url: string): Promise<void> {
  for (const qos of [0, 1, 2] as const) {
    const sub = await connect(url, { protocolVersion: 5, maxQueued: 2 * N });
    const pub = await connect(url, { protocolVersion: 5, maxQueued: 2 * N });
    await sub.subscribe('bench/x', { qos });
    let received = 0;
    const all = new Promise<void>((resolve) =>
      sub.on('message', () => {
        if (++received === N) resolve();
      }),
    );
    const started = performance.now();
    const acks: Array<Promise<unknown>> = [];
    for (let i = 0; i < N; i++) acks.push(pub.publish('bench/x', 'payload-0123456789', { qos }));
    await Promise.all(acks);
    const acked = performance.now();
    // QoS 0 may be dropped by a busy broker: do not wait forever for it.
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, qos === 0 ? 2000 : 60_000))]);
    const done = performance.now();
    const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));
    console.log(
      `${label.padEnd(12)} qos${qos}  ${N} msgs  acked ${rate(N, acked - started)} msg/s  delivered ${received} at ${rate(received, done - started)} msg/s`,
    );
    await pub.end();
    await sub.end();
  }
}

const broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }] });
await broker.listen();
await run('@mq/broker', `mqtt://127.0.0.1:${broker.addresses()[0]?.port}`);
await broker.close();

if (spawnSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' }).status === 0) {
  const mosquitto = await startMosquitto({ extraConfig: 'max_queued_messages 0\nmax_inflight_messages 100' });
  await run('mosquitto', `mqtt://127.0.0.1:${mosquitto.port}`);
  await disposeMosquitto(mosquitto);
}
