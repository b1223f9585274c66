import { Worker } from 'node:worker_threads';
import { type CpuSnapshot, type CpuUse, cpuBetween, cpuSnapshot, rssKb } from '../proc-stats.js';
import type { Scenario } from '../scenarios.js';
import { reserveDescriptors } from './descriptor-table.js';
import { ErrorLog } from './error-log.js';
import {
  createHistogram,
  type HistogramData,
  type LatencySummary,
  mergeHistogram,
  summarize,
} from './histogram.js';
import type {
  ConnectionSpec,
  FlowControl,
  FromWorker,
  OpenedReport,
  Role,
  ToWorker,
  WorkerResult,
  WorkerSetup,
} from './messages.js';
import { NativeIdleConnections } from './native-conns.js';
import { SharedState } from './shared-state.js';
import { startStandIn } from './stand-in.js';

/** Where the broker under load listens, and its process (for CPU and RSS). */
export interface BrokerEndpoint {
  readonly port: number;
  readonly pid: number;
}

export interface LoadOptions {
  /**
   * Starts (or finds) the broker. Called once the load workers are starting,
   * so both start-ups overlap.
   */
  readonly broker: () => Promise<BrokerEndpoint>;
  readonly scenario: Scenario;
  readonly durationS: number;
  readonly warmupS: number;
  /** Longest wait for stragglers after publishing stops. */
  readonly drainS: number;
  /** conns: wait this long before reading the broker's RSS. */
  readonly settleS: number;
  readonly workers: number;
  readonly flow: FlowControl;
  readonly maxPending: number;
  readonly setupTimeoutS: number;
  /** conns: path of the C generator (native-conns.ts); null runs conns on the node generator. */
  readonly connsGenerator: string | null;
}

export interface ThroughputResult {
  readonly kind: 'throughput';
  sent: number;
  acked: number;
  expected: number;
  received: number;
  unique: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  receivedInWindow: number;
  msgsPerS: number;
  perSecond: number[];
  latencyUs: LatencySummary;
  cpu: CpuUse;
  brokerRssKbStart: number;
  brokerRssKbEnd: number;
  setupS: number;
  closedByBroker: number;
}

export interface ConnectionsResult {
  readonly kind: 'connections';
  connected: number;
  failed: number;
  aliveAtEnd: number;
  closedByBroker: number;
  connectS: number;
  connectsPerS: number;
  handshakeUs: { p50: number; p99: number; max: number };
  brokerRssKbBefore: number;
  brokerRssKbAfter: number;
  rssBytesPerConnection: number;
  /** CPU of the broker and of the generator while the connections were opened. */
  cpu: CpuUse;
  /** Which generator opened them: the C program or node's worker thread. */
  generator: 'c' | 'node';
}

export type LoadResult = (ThroughputResult | ConnectionsResult) & {
  brokerPid: number;
  /** Generator worker threads the scenario ran on (conns: 1). */
  loadThreads: number;
  aborted: boolean;
  abortReason?: string;
  errors: number;
  errorMessages: string[];
};

const here = import.meta.url;

/** Workers run TypeScript: register tsx inside the worker before importing its entry. */
function startWorker(setup: WorkerSetup): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', here).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: setup });
}

function connectionSpecs(scenario: Scenario): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  for (let s = 0; s < scenario.subscribers; s++) {
    const topic =
      scenario.shape === 'fanin'
        ? 'bench/fanin/#'
        : scenario.shape === 'fanout'
          ? 'bench/fanout'
          : `bench/pair/${s}`;
    specs.push({ role: 'sub', index: s, topic });
  }
  for (let p = 0; p < scenario.publishers; p++) {
    const topic =
      scenario.shape === 'fanin'
        ? `bench/fanin/${p}`
        : scenario.shape === 'fanout'
          ? 'bench/fanout'
          : `bench/pair/${p}`;
    specs.push({ role: 'pub', index: p, topic });
  }
  for (let c = 0; c < scenario.connections; c++) specs.push({ role: 'idle', index: c, topic: '' });
  return specs;
}

function trackCount(scenario: Scenario): number {
  return scenario.shape === 'fanin' ? scenario.publishers : scenario.subscribers;
}

/** conns: connections the generator opens to a stand-in server before the measured ones. */
const CONN_WARMUP = 2000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A group of workers and the replies they owe. */
class WorkerPool {
  readonly #workers: Worker[];
  readonly #waiting = new Map<Worker, (message: FromWorker) => void>();
  fatal: string | null = null;

  constructor(setups: WorkerSetup[]) {
    this.#workers = setups.map(startWorker);
    for (const worker of this.#workers) {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'fatal') this.fatal = message.message;
        const resolve = this.#waiting.get(worker);
        this.#waiting.delete(worker);
        resolve?.(message);
      });
      worker.on('error', (error) => {
        this.fatal = String(error);
        const resolve = this.#waiting.get(worker);
        this.#waiting.delete(worker);
        resolve?.({ type: 'fatal', message: String(error) });
      });
    }
  }

  /** Sends a command to every worker and waits for each one's reply. */
  request<T extends FromWorker>(command: ToWorker, timeoutMs: number): Promise<T[]> {
    return Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<T>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`worker did not answer ${command.cmd}`)),
              timeoutMs,
            );
            this.#waiting.set(worker, (message) => {
              clearTimeout(timer);
              if (message.type === 'fatal') reject(new Error(message.message));
              else resolve(message as T);
            });
            worker.postMessage(command);
          }),
      ),
    );
  }

  post(command: ToWorker): void {
    for (const worker of this.#workers) worker.postMessage(command);
  }

  async terminate(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Runs one scenario against a broker on 127.0.0.1 and returns one result record. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { scenario } = options;
  if (scenario.shape === 'conns' && options.connsGenerator !== null)
    return runNativeConns(options, options.connsGenerator);
  const specs = connectionSpecs(scenario);
  // conns opens connections from one worker, like the C generator: a second thread took a core from the
  // broker it measures (with Mosquitto, 17,000-21,500 connects/s on two workers, 22,000-25,000 on one).
  const wanted = scenario.shape === 'conns' ? 1 : options.workers;
  const workers = Math.max(1, Math.min(wanted, specs.length));
  const tracks = trackCount(scenario);
  const shared = new SharedState(tracks, scenario.publishers);
  const epoch = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - epoch);
  const slices: ConnectionSpec[][] = Array.from({ length: workers }, () => []);
  if (scenario.rate > 0 && workers >= 2) {
    // Paced runs: publishers on worker 0 (it paces them precisely), subscribers on the others.
    let next = 0;
    for (const spec of specs) {
      if (spec.role === 'pub') slices[0]!.push(spec);
      else slices[1 + (next++ % (workers - 1))]!.push(spec);
    }
  } else {
    specs.forEach((spec, i) => {
      slices[i % workers]!.push(spec);
    });
  }
  const pool = new WorkerPool(
    slices.map((connections, worker) => ({
      worker,
      scenario,
      flow: options.flow,
      keepAlive: 60,
      maxPending: Math.max(1, Math.ceil(options.maxPending / workers)),
      connections,
      shared: shared.buffer,
      tracks,
      epoch,
      durationS: options.durationS,
    })),
  );
  const errors = new ErrorLog();
  try {
    const broker = await options.broker();
    const rssBefore = rssKb(broker.pid);
    const setupStart = now();
    const setupMs = options.setupTimeoutS * 1000;
    const openRole = async (
      role: Role,
    ): Promise<{ ready: number; failed: number; handshakeNs: number[] }> => {
      const reports = await pool.request<OpenedReport>({ cmd: 'open', role, port: broker.port }, setupMs);
      return {
        ready: reports.reduce((sum, r) => sum + r.ready, 0),
        failed: reports.reduce((sum, r) => sum + r.failed, 0),
        handshakeNs: reports.flatMap((r) => r.handshakeNs),
      };
    };

    if (scenario.shape === 'conns') {
      // Measured from a fresh broker process with no warm-up, as mqload does: a reconnect storm after a
      // restart meets a cold broker too. The generator, though, warms up (its JIT, its descriptor table)
      // against a stand-in server first, so its own cold start does not count against the broker.
      reserveDescriptors(scenario.connections + 1024);
      const standIn = await startStandIn();
      try {
        await pool.request(
          { cmd: 'warm', port: standIn.port, count: Math.ceil(CONN_WARMUP / workers) },
          setupMs,
        );
      } finally {
        await standIn.close();
      }
      await sleep(300);
      const openedAt = now();
      const cpuAtOpen = cpuSnapshot(broker.pid);
      const opened = await openRole('idle');
      const cpu = cpuBetween(cpuAtOpen, cpuSnapshot(broker.pid));
      const connectS = (now() - openedAt) / 1e9;
      await sleep(options.settleS * 1000);
      const rssAfter = rssKb(broker.pid);
      const results = await pool.request<WorkerResult>({ cmd: 'stop' }, 30_000);
      for (const r of results) errors.merge(r.errorMessages, r.errors);
      const handshakes = opened.handshakeNs.sort((a, b) => a - b);
      const at = (p: number) =>
        Math.round(
          (handshakes[Math.min(handshakes.length - 1, Math.floor(p * handshakes.length))] ?? -1000) / 1000,
        );
      return connectionsResult({
        brokerPid: broker.pid,
        loadThreads: workers,
        generator: 'node',
        ready: opened.ready,
        failed: opened.failed,
        aliveAtEnd: results.reduce((sum, r) => sum + r.aliveAtEnd, 0),
        closedByBroker: results.reduce((sum, r) => sum + r.closedByBroker, 0),
        connectS,
        handshakeUs: { p50: at(0.5), p99: at(0.99), max: at(1) },
        cpu,
        rssKb: [rssBefore, rssAfter],
        errors,
      });
    }

    // Subscribers first: every publisher starts with all subscriptions in place.
    const subs = await openRole('sub');
    const pubs = subs.failed === 0 ? await openRole('pub') : { ready: 0, failed: 0, handshakeNs: [] };
    const setupS = (now() - setupStart) / 1e9;
    const setupFailed = subs.failed + pubs.failed;

    let first: CpuSnapshot | null = null;
    let last: CpuSnapshot | null = null;
    let rssEnd = -1;
    if (setupFailed === 0) {
      // A short lead so every worker has the command before the start time.
      const startNs = now() + 20e6;
      const windowStartNs = startNs + options.warmupS * 1e9;
      const windowEndNs = windowStartNs + options.durationS * 1e9;
      pool.post({ cmd: 'run', startNs, windowStartNs, windowEndNs });
      await sleep((windowStartNs - now()) / 1e6);
      first = cpuSnapshot(broker.pid);
      await sleep((windowEndNs - now()) / 1e6);
      last = cpuSnapshot(broker.pid);
      rssEnd = rssKb(broker.pid);
      await drain(shared, scenario, tracks, options.drainS);
    }
    const results = await pool.request<WorkerResult>({ cmd: 'stop' }, 30_000);
    const histogram: HistogramData = createHistogram();
    const total = (pick: (r: WorkerResult) => number) => results.reduce((sum, r) => sum + pick(r), 0);
    const perSecond = new Array<number>(Math.ceil(options.durationS)).fill(0);
    for (const r of results) {
      mergeHistogram(histogram, r.histogram);
      r.perSecond.forEach((n, i) => {
        perSecond[i] = (perSecond[i] ?? 0) + n;
      });
      errors.merge(r.errorMessages, r.errors);
    }
    const sent = total((r) => r.sent);
    const acked = total((r) => r.acked);
    if (scenario.qos > 0 && acked !== sent)
      errors.add(`${sent - acked} QoS ${scenario.qos} PUBLISHes never acknowledged`);
    const q2 = shared.qos2Pending();
    if (q2 > 0) errors.add(`${q2} QoS 2 deliveries never got a PUBREL`);
    const expected = scenario.shape === 'fanout' ? sent * scenario.subscribers : sent;
    const unique = total((r) => r.unique);
    const receivedInWindow = total((r) => r.receivedInWindow);
    return {
      kind: 'throughput',
      brokerPid: broker.pid,
      loadThreads: workers,
      sent,
      acked,
      expected,
      received: total((r) => r.received),
      unique,
      lost: expected - unique,
      duplicates: total((r) => r.duplicates),
      outOfOrder: total((r) => r.outOfOrder),
      receivedInWindow,
      msgsPerS: Math.round(receivedInWindow / options.durationS),
      perSecond,
      latencyUs: summarize(histogram),
      cpu: first && last ? cpuBetween(first, last) : { brokerPct: -1, loaderPct: -1, hostPct: -1 },
      brokerRssKbStart: rssBefore,
      brokerRssKbEnd: rssEnd,
      setupS: Math.round(setupS * 1000) / 1000,
      closedByBroker: total((r) => r.closedByBroker),
      aborted: setupFailed > 0,
      ...(setupFailed > 0 ? { abortReason: `${setupFailed} connections failed during setup` } : {}),
      errors: errors.total,
      errorMessages: errors.messages(),
    };
  } finally {
    await pool.terminate();
  }
}

/**
 * conns on the C generator: a fresh broker with no warm-up, as with the node generator, and the same
 * handshake window (maxPending). The rate is the generator's own count over its own clock.
 */
async function runNativeConns(options: LoadOptions, path: string): Promise<LoadResult> {
  const { scenario } = options;
  const broker = await options.broker();
  const generator = new NativeIdleConnections(
    path,
    broker.port,
    scenario.connections,
    options.maxPending,
    60,
  );
  try {
    await generator.arm();
    const rssBefore = rssKb(broker.pid);
    const cpuAtOpen = cpuSnapshot(broker.pid);
    const opened = await generator.open();
    const cpu = cpuBetween(cpuAtOpen, cpuSnapshot(broker.pid));
    // The parent's own CPU is not the generator's: the child reports its own.
    cpu.loaderPct = Math.round((opened.cpuUs * 1000 * 1000) / opened.elapsedNs) / 10;
    await sleep(options.settleS * 1000);
    const rssAfter = rssKb(broker.pid);
    const stopped = await generator.stop();
    const errors = new ErrorLog();
    errors.merge(
      opened.errors.map((e) => [e.what, e.count] as const),
      opened.errors.reduce((sum, e) => sum + e.count, 0),
    );
    if (stopped.closedByBroker > 0) errors.add(`${stopped.closedByBroker} idle connections closed by broker`);
    return connectionsResult({
      brokerPid: broker.pid,
      loadThreads: 1,
      generator: 'c',
      ready: opened.ready,
      failed: opened.failed,
      aliveAtEnd: stopped.alive,
      closedByBroker: stopped.closedByBroker,
      connectS: opened.elapsedNs / 1e9,
      handshakeUs: opened.handshakeUs,
      cpu,
      rssKb: [rssBefore, rssAfter],
      errors,
    });
  } finally {
    generator.kill();
  }
}

/** The record of a conns run, from what either generator measured. */
function connectionsResult(run: {
  brokerPid: number;
  loadThreads: number;
  generator: 'c' | 'node';
  ready: number;
  failed: number;
  aliveAtEnd: number;
  closedByBroker: number;
  connectS: number;
  handshakeUs: { p50: number; p99: number; max: number };
  cpu: CpuUse;
  rssKb: [before: number, after: number];
  errors: ErrorLog;
}): LoadResult {
  const [before, after] = run.rssKb;
  return {
    kind: 'connections',
    brokerPid: run.brokerPid,
    loadThreads: run.loadThreads,
    generator: run.generator,
    connected: run.ready,
    failed: run.failed,
    aliveAtEnd: run.aliveAtEnd,
    closedByBroker: run.closedByBroker,
    connectS: Math.round(run.connectS * 1000) / 1000,
    connectsPerS: Math.round(run.ready / run.connectS),
    handshakeUs: run.handshakeUs,
    cpu: run.cpu,
    brokerRssKbBefore: before,
    brokerRssKbAfter: after,
    rssBytesPerConnection:
      before > 0 && after > 0 && run.ready > 0 ? Math.round(((after - before) * 1024) / run.ready) : -1,
    aborted: run.failed > 0,
    ...(run.failed > 0 ? { abortReason: `${run.failed} connections failed` } : {}),
    errors: run.errors.total,
    errorMessages: run.errors.messages(),
  };
}

/** Waits until every message is acknowledged and delivered, progress stalls for 3 s, or drainS passes. */
async function drain(shared: SharedState, scenario: Scenario, tracks: number, drainS: number): Promise<void> {
  const deadline = Date.now() + drainS * 1000;
  let lastProgress = shared.progress();
  let lastChange = Date.now();
  for (;;) {
    let sent = 0;
    let inflight = 0;
    for (let p = 0; p < scenario.publishers; p++) {
      sent += shared.publisherSent(p);
      inflight += shared.publisherInflight(p);
    }
    let unique = 0;
    for (let t = 0; t < tracks; t++) unique += shared.trackUnique(t);
    const expected = scenario.shape === 'fanout' ? sent * scenario.subscribers : sent;
    if (inflight === 0 && shared.qos2Pending() === 0 && unique >= expected) return;
    const progress = shared.progress();
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastChange = Date.now();
    }
    if (Date.now() >= deadline || Date.now() - lastChange > 3000) return;
    await sleep(20);
  }
}
