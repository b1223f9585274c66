import { expect } from 'vitest';
import { KIND_NAMES } from '../src/sensors/models.js';
import { launch, SIM_CLI } from './processes.js';
import { latest, subscribe } from './subscriber.js';

const READING_TOPIC = /^([\w-]+)\/(temperature|humidity|light|motion|power)\/([\w-]+)\/([\w-]+)$/;

/**
 * The simulator publishes readings a subscriber receives and parses, keeps a retained `online`
 * status, and a clean stop (SIGINT) sets it `offline` and exits 0 with a summary.
 */
export async function readingsArrive(
  brokerUrl: string,
  simUrl: string,
  prefix: string,
  protocolVersion: 4 | 5 = 5,
): Promise<void> {
  const sub = await subscribe(brokerUrl, `${prefix}/#`, protocolVersion);
  const sim = launch(SIM_CLI, [
    '--url',
    simUrl,
    '--sensors',
    '5',
    '--rate',
    '5',
    '--prefix',
    prefix,
    '--json',
  ]);
  try {
    const readings = () => sub.received.filter((r) => READING_TOPIC.test(r.topic));
    const kindsSeen = () => new Set(readings().map((r) => r.topic.split('/')[1]));
    await sub.until(() => kindsSeen().size === KIND_NAMES.length && readings().length >= 15);
    for (const { topic, text } of readings()) {
      const [, , kind, room, id] = READING_TOPIC.exec(topic) ?? [];
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body).toMatchObject({ kind, room, id });
      expect(typeof body.ts).toBe('number');
      expect(typeof body.seq).toBe('number');
      expect(typeof body.unit).toBe('string');
      expect(typeof body.value).toBe(kind === 'motion' ? 'boolean' : 'number');
    }
    const statuses = () => [...latest(sub.received)].filter(([topic]) => topic.endsWith('/status'));
    await sub.until(() => statuses().length === 5 && statuses().every(([, v]) => v === 'online'));

    const exit = await sim.stop('SIGINT');
    expect(exit.code).toBe(0);
    const summary = JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    expect(summary.sensors).toBe(5);
    expect(summary.published).toBeGreaterThanOrEqual(15);
    expect(summary.acked).toBe(summary.published);
    await sub.until(() => statuses().every(([, v]) => v === 'offline'));
  } finally {
    await sim.stop('SIGKILL');
    await sub.close();
  }
}

/** Killed without a chance to say goodbye, the broker publishes each sensor's will: status `offline`. */
export async function willMarksOffline(
  brokerUrl: string,
  prefix: string,
  protocolVersion: 4 | 5 = 5,
): Promise<void> {
  const sub = await subscribe(brokerUrl, `${prefix}/+/+/+/status`, protocolVersion);
  const sim = launch(SIM_CLI, ['--url', brokerUrl, '--sensors', '3', '--prefix', prefix, '--quiet']);
  try {
    const statuses = () => [...latest(sub.received)];
    await sub.until(() => statuses().length === 3 && statuses().every(([, v]) => v === 'online'));
    const exit = await sim.stop('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await sub.until(() => statuses().every(([, v]) => v === 'offline'));
    // The will is retained: a newcomer learns the sensors are offline.
    const late = await subscribe(brokerUrl, `${prefix}/+/+/+/status`, protocolVersion);
    try {
      await late.until(() => late.received.length === 3);
      expect(late.received.every((r) => r.retain && r.text === 'offline')).toBe(true);
    } finally {
      await late.close();
    }
  } finally {
    await sim.stop('SIGKILL');
    await sub.close();
  }
}

/** Bench mode prints one JSON line with throughput, latency percentiles, loss and duplicates. */
export async function benchReports(url: string, qos: 0 | 1 | 2): Promise<Record<string, unknown>> {
  const sim = launch(SIM_CLI, [
    'bench',
    '--url',
    url,
    '--publishers',
    '2',
    '--subscribers',
    '2',
    '--qos',
    String(qos),
    '--duration',
    '1',
    '--payload-size',
    '100',
    '--rate',
    '200',
  ]);
  const exit = await sim.exited;
  expect(exit.code, exit.stderr).toBe(0);
  const report = JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  expect(report).toMatchObject({ mode: 'bench', publishers: 2, subscribers: 2, qos, payloadSize: 100 });
  const published = report.published as number;
  expect(published).toBeGreaterThan(0);
  expect(report.expected).toBe(published * 2);
  const latency = report.latencyMs as Record<string, number>;
  for (const key of ['p50', 'p95', 'p99', 'max']) expect(typeof latency[key]).toBe('number');
  expect(latency.p50).toBeLessThanOrEqual(latency.p99 ?? 0);
  expect(latency.p99).toBeLessThanOrEqual(latency.max ?? 0);
  return report;
}
