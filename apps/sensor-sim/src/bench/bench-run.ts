import { connect, type MqttClient } from '@mq/client';
import type { BenchArgs } from '../args.js';
import { clientOptions, errorText, negotiateVersion } from '../link.js';
import { StatusLine } from '../status-line.js';
import { LatencyHistogram, type LatencySummary } from './histogram.js';
import { createPayloadFactory, nowMs, readHeader } from './payload.js';
import { SequenceTracker } from './sequence-tracker.js';

export interface BenchReport {
  mode: 'bench';
  url: string;
  protocolVersion: number;
  publishers: number;
  subscribers: number;
  qos: number;
  payloadSize: number;
  rate: number;
  durationS: number;
  published: number;
  publishedPerSec: number;
  publishErrors: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  lost: number;
  duplicates: number;
  latencyMs: LatencySummary;
  reconnects: number;
}

interface Subscriber {
  client: MqttClient;
  tracker: SequenceTracker;
  latency: LatencyHistogram;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export class BenchConnectError extends Error {
  override readonly name = 'BenchConnectError';
}

/** Publishes for `duration` seconds and measures what the subscribers receive; see BENCH_HELP in args.ts. */
export async function runBench(
  args: BenchArgs,
  io: { env: NodeJS.ProcessEnv; stderr: NodeJS.WriteStream; stop: Promise<void> },
): Promise<BenchReport> {
  const runId = Math.floor(Math.random() * 0xffffffff);
  const base = `${args.topic}/${runId.toString(16)}`;
  const options = await negotiateVersion(
    args.url,
    clientOptions(args, io.env),
    args.protocolVersion !== undefined,
  );
  const clients: MqttClient[] = [];
  let reconnects = 0;
  const open = async (clientId: string) => {
    try {
      const client = await connect(args.url, { ...options, clientId });
      client.on('connect', (info) => {
        if (info.reconnect) reconnects++;
      });
      clients.push(client);
      return client;
    } catch (error) {
      throw new BenchConnectError(`cannot connect to ${args.url}: ${errorText(error)}`, { cause: error });
    }
  };

  try {
    // Subscribers first, so every published message has somewhere to go.
    let lastDeliveryAt = 0;
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < args.subscribers; i++) {
      const sub: Subscriber = {
        client: await open(`mq-bench-${runId}-s${i}`),
        tracker: new SequenceTracker(),
        latency: new LatencyHistogram(),
      };
      sub.client.on('message', (message) => {
        const header = readHeader(message.payload);
        if (!header || header.runId !== runId) return;
        const at = nowMs();
        if (sub.tracker.record(header.publisher, header.seq)) {
          sub.latency.record(at - header.sentAt);
          lastDeliveryAt = at;
        }
      });
      await sub.client.subscribe(`${base}/#`, { qos: args.qos });
      subscribers.push(sub);
    }
    const publishers: MqttClient[] = [];
    for (let i = 0; i < args.publishers; i++) publishers.push(await open(`mq-bench-${runId}-p${i}`));

    const sent = new Array<number>(args.publishers).fill(0);
    let publishErrors = 0;
    let outstanding = 0;
    let running = true;
    const startedAt = nowMs();
    const deadline = startedAt + args.duration * 1000;
    const stopped = io.stop.then(() => {
      running = false;
    });

    const delivered = () => subscribers.reduce((n, s) => n + s.tracker.unique, 0);
    const totalSent = () => sent.reduce((a, b) => a + b, 0);
    const status = new StatusLine(io.stderr);
    const progress = setInterval(() => {
      const elapsed = (nowMs() - startedAt) / 1000;
      status.show(
        `bench ${Math.min(elapsed, args.duration).toFixed(0)}/${args.duration} s | sent ${totalSent()} | delivered ${delivered()} | errors ${publishErrors}`,
      );
    }, 1000);

    // Closed loop for --rate 0: publishers pause while the subscribers are more than a window per
    // publisher behind, so the numbers measure the broker and not an ever-growing socket buffer.
    // A lag that stops shrinking for 100 ms is taken as lost (QoS 0) and forgiven.
    let forgiven = 0;
    const lagLimit = args.window * args.publishers * subscribers.length;
    const lag = () => totalSent() * subscribers.length - delivered() - forgiven;
    const throttle = async () => {
      let seen = delivered();
      let since = nowMs();
      while (running && lag() > lagLimit) {
        await sleep(1);
        const now = nowMs();
        if (delivered() !== seen) {
          seen = delivered();
          since = now;
        } else if (now - since > 100) {
          forgiven += lag();
          return;
        }
      }
    };

    const publishLoops = publishers.map(async (client, p) => {
      const make = createPayloadFactory(args.payloadSize, runId, p);
      const topic = `${base}/${p}`;
      let inflight = 0;
      let wake: (() => void) | undefined;
      const send = () => {
        const seq = sent[p] ?? 0;
        sent[p] = seq + 1;
        inflight++;
        outstanding++;
        client
          .publish(topic, make(seq, nowMs()), { qos: args.qos })
          .catch(() => {
            publishErrors++;
          })
          .finally(() => {
            inflight--;
            outstanding--;
            wake?.();
          });
      };
      const slot = () =>
        new Promise<void>((resolve) => {
          wake = () => {
            wake = undefined;
            resolve();
          };
        });

      if (args.rate > 0) {
        // One timer per publisher: each tick sends what the rate allows so far, within the window.
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            const now = nowMs();
            if (!running || now >= deadline) {
              clearInterval(timer);
              resolve();
              return;
            }
            const due = Math.floor(((now - startedAt) / 1000) * args.rate) + 1;
            while ((sent[p] ?? 0) < due && inflight < args.window) send();
          }, 5);
        });
        return;
      }
      // As fast as possible: keep the window full, yielding to I/O after each window's worth.
      let sinceYield = 0;
      while (running && nowMs() < deadline) {
        if (inflight >= args.window) await slot();
        send();
        if (++sinceYield >= args.window) {
          sinceYield = 0;
          await yieldToIo();
          await throttle();
        }
      }
    });
    await Promise.race([Promise.all(publishLoops), stopped]);
    running = false;
    await Promise.all(publishLoops);
    const publishEndedAt = nowMs();

    // Let acknowledgements and late deliveries arrive: stop when complete, stalled for a second, or at --drain.
    const published = totalSent();
    const expected = published * subscribers.length;
    const drainUntil = nowMs() + args.drain * 1000;
    let lastCount = -1;
    let lastChange = nowMs();
    while (nowMs() < drainUntil && (delivered() < expected || outstanding > 0)) {
      const count = delivered();
      if (count !== lastCount) {
        lastCount = count;
        lastChange = nowMs();
      } else if (nowMs() - lastChange > 1000 && outstanding === 0) break;
      await sleep(20);
    }
    clearInterval(progress);
    status.clear();

    const latency = new LatencyHistogram();
    for (const s of subscribers) latency.merge(s.latency);
    const unique = delivered();
    const deliveryWindow = Math.max(lastDeliveryAt - startedAt, 1);
    return {
      mode: 'bench',
      url: args.url,
      protocolVersion: options.protocolVersion ?? 5,
      publishers: args.publishers,
      subscribers: args.subscribers,
      qos: args.qos,
      payloadSize: args.payloadSize,
      rate: args.rate,
      durationS: Math.round((publishEndedAt - startedAt) / 10) / 100,
      published,
      publishedPerSec: Math.round((published * 1000) / Math.max(publishEndedAt - startedAt, 1)),
      publishErrors,
      expected,
      delivered: unique,
      deliveredPerSec: Math.round((unique * 1000) / deliveryWindow),
      lost: subscribers.reduce((n, s) => n + s.tracker.missing(sent), 0),
      duplicates: subscribers.reduce((n, s) => n + s.tracker.duplicates, 0),
      latencyMs: latency.summary(),
      reconnects,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end({ force: true }).catch(() => {})));
  }
}
