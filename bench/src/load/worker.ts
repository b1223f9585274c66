import { parentPort, workerData } from 'node:worker_threads';
import { ClientConnection } from './client-connection.js';
import { setEpoch } from './clock.js';
import { ErrorLog } from './error-log.js';
import { createHistogram } from './histogram.js';
import { IdleConnections, idleConnectionsAvailable } from './idle-connections.js';
import type { ConnectionSpec, FromWorker, Role, ToWorker, WorkerSetup } from './messages.js';
import { Publisher, type PublisherTiming } from './publisher.js';
import { SequenceTracker } from './sequence-tracker.js';
import { SharedState } from './shared-state.js';
import { type ReceiveStats, Subscriber } from './subscriber.js';
import { DISCONNECT } from './wire.js';

/**
 * A load worker: owns a slice of the scenario's connections and drives them
 * on its own event loop. Coordination with other workers goes through the
 * shared counters only.
 */

const setup = workerData as WorkerSetup;
/** Subscriber reads smaller than this wait for the next tick before reading again. */
const COALESCE_BELOW = Number(process.env.MQ_BENCH_COALESCE ?? 8 * 1024);
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const parent = parentPort!;
/** The broker's port, known from the first 'open' (workers start while the broker does). */
let brokerPort = 0;
setEpoch(setup.epoch);

const { scenario, flow } = setup;
const errors = new ErrorLog();
const shared = new SharedState(setup.tracks, scenario.publishers, setup.shared);
const trackers = Array.from({ length: setup.tracks }, () => new SequenceTracker());
const stats: ReceiveStats = {
  received: 0,
  receivedInWindow: 0,
  perSecond: new Array<number>(Math.ceil(setup.durationS)).fill(0),
  histogram: createHistogram(),
  windowStartNs: Number.POSITIVE_INFINITY,
  windowEndNs: Number.POSITIVE_INFINITY,
};
const timing: PublisherTiming = { startNs: 0, endNs: 0, running: false };
const connections: ClientConnection[] = [];
const publishers: Publisher[] = [];
const subscribers: Subscriber[] = [];

function route(subscriber: number, publisher: number): number {
  switch (scenario.shape) {
    case 'fanin':
      return publisher < scenario.publishers ? publisher : -1;
    case 'fanout':
      return publisher === 0 ? subscriber : -1;
    case 'pairs':
      return publisher === subscriber ? subscriber : -1;
    default:
      return -1;
  }
}

/** Highest sequence + 1 that every subscriber of `publisher` has reached. */
function deliveredFloor(publisher: number): number {
  if (scenario.shape !== 'fanout') return shared.trackNext(publisher);
  let floor = Number.POSITIVE_INFINITY;
  for (let s = 0; s < setup.tracks; s++) floor = Math.min(floor, shared.trackNext(s));
  return floor;
}

function open(spec: ConnectionSpec): ClientConnection {
  const connection = new ClientConnection({
    port: brokerPort,
    clientId: `mqb${process.pid}${spec.role[0]}${spec.index}`,
    keepAlive: setup.keepAlive,
    subscribe: spec.role === 'sub' ? { filter: spec.topic, qos: scenario.qos } : undefined,
    errors,
    label: spec.role,
    readBuffer,
    // Throughput runs read subscribers in bursts; the latency run reads eagerly.
    coalesceBelow: spec.role === 'sub' && scenario.rate === 0 ? COALESCE_BELOW : 0,
  });
  connections.push(connection);
  if (spec.role === 'pub') {
    const publisher = new Publisher(
      connection,
      spec.index,
      spec.topic,
      scenario.qos,
      scenario.payload,
      scenario.rate,
      scenario.publishers,
      flow,
      shared,
      deliveredFloor,
      timing,
      errors,
    );
    connection.sink = publisher;
    publishers.push(publisher);
  } else if (spec.role === 'sub') {
    const subscriber = new Subscriber(
      connection,
      spec.index,
      scenario.qos,
      scenario.payload,
      route,
      trackers,
      shared,
      stats,
      errors,
    );
    connection.sink = subscriber;
    subscribers.push(subscriber);
  }
  return connection;
}

const idle = new IdleConnections();

/** Opens every connection of a role, at most maxPending handshakes at a time. */
async function openRole(role: Role): Promise<void> {
  const specs = setup.connections.filter((c) => c.role === role);
  if (role === 'idle' && idleConnectionsAvailable) {
    const clientIds = specs.map((spec) => `mqb${process.pid}i${spec.index}`);
    const opened = await idle.open(brokerPort, clientIds, setup.keepAlive, setup.maxPending, errors);
    send({ type: 'opened', role, ...opened });
    return;
  }
  const handshakeNs: number[] = [];
  let ready = 0;
  let failed = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      const started = process.hrtime.bigint();
      const ok = await open(spec).ready();
      if (ok) {
        ready++;
        handshakeNs.push(Number(process.hrtime.bigint() - started));
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(setup.maxPending, specs.length) }, lane));
  send({ type: 'opened', role, ready, failed, handshakeNs });
}

function pumpAll(): void {
  for (const publisher of publishers) publisher.pump();
}

let stopped = false;

/**
 * Every millisecond until stop: paused subscribers read again, and
 * window-gated publishers look again. The window (100 messages per publisher)
 * holds far more than a millisecond of traffic, so polling costs no throughput
 * and much less CPU than a wake-up per read.
 */
function tick(): void {
  if (stopped) return;
  for (const subscriber of subscribers) subscriber.connection.resumeRead();
  if (timing.running && scenario.rate === 0) pumpAll();
  setTimeout(tick, 1);
}

/** For sub-millisecond sleeps of a publisher-only worker. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Paced publishers: sleep until the next one is due. A worker that holds only
 * publishers sleeps precisely (Atomics.wait, then one turn of the event loop
 * for acks), so messages leave evenly spaced as with mqload; a 1 ms timer would
 * send them in bursts that queue behind each other and inflate latency.
 */
function pace(): void {
  if (!timing.running) return;
  pumpAll();
  let due = Number.POSITIVE_INFINITY;
  for (const publisher of publishers) due = Math.min(due, publisher.nextDueNs());
  const waitMs = (due - Number(process.hrtime.bigint() - setup.epoch)) / 1e6;
  if (subscribers.length === 0 && waitMs < 2) {
    if (waitMs > 0) Atomics.wait(sleeper, 0, 0, waitMs);
    setImmediate(pace);
  } else setTimeout(pace, Math.max(0, Math.floor(waitMs)));
}

/**
 * Paced (latency) runs: a subscriber worker keeps its event loop turning instead of sleeping in epoll, so a
 * delivery is read when it arrives rather than once the thread has been woken. Sleeping, node's wake-up path
 * added about 40 µs to the median against mqload's (p50 0.09 to 0.12 ms for Mosquitto, 0.06 to 0.07 polling)
 * and most of Mosquitto's p99. It costs this thread a core while the broker needs a fifth of one.
 */
function poll(): void {
  if (!stopped && timing.running) setImmediate(poll);
}

function run(startNs: number, windowStartNs: number, windowEndNs: number): void {
  timing.startNs = startNs;
  timing.endNs = windowEndNs;
  stats.windowStartNs = windowStartNs;
  stats.windowEndNs = windowEndNs;
  const begin = () => {
    timing.running = true;
    setTimeout(
      () => {
        timing.running = false;
      },
      Math.max(0, (windowEndNs - Number(process.hrtime.bigint() - setup.epoch)) / 1e6),
    );
    tick();
    if (scenario.rate > 0 && publishers.length > 0) pace();
    if (scenario.rate > 0 && subscribers.length > 0) poll();
  };
  const wait = (startNs - Number(process.hrtime.bigint() - setup.epoch)) / 1e6;
  setTimeout(begin, Math.max(0, wait));
}

async function stop(): Promise<void> {
  timing.running = false;
  stopped = true;
  const alive = connections.filter((c) => c.state === 'ready').length + idle.alive;
  const closedByBroker = connections.filter((c) => c.closedByBroker).length + idle.closedByBroker;
  await Promise.all([...connections.map((c) => c.close(DISCONNECT)), idle.stopAll()]);
  let unique = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const owned = new Set<number>();
  for (const subscriber of subscribers) {
    if (scenario.shape === 'fanin') for (let p = 0; p < scenario.publishers; p++) owned.add(p);
    else owned.add(subscriber.index);
  }
  for (const track of owned) {
    const tracker = trackers[track]!;
    unique += tracker.unique;
    duplicates += tracker.duplicates;
    outOfOrder += tracker.outOfOrder;
  }
  send({
    type: 'result',
    sent: publishers.reduce((sum, p) => sum + p.sent, 0),
    acked: publishers.reduce((sum, p) => sum + p.acked, 0),
    received: stats.received,
    unique,
    duplicates,
    outOfOrder,
    receivedInWindow: stats.receivedInWindow,
    perSecond: stats.perSecond,
    histogram: stats.histogram,
    closedByBroker,
    aliveAtEnd: alive,
    errors: errors.total,
    errorMessages: [...errors.counts],
  });
}

function send(message: FromWorker): void {
  parent.postMessage(message);
}

/** Opens `count` idle connections and closes them again: the generator's connection path is warm after. */
async function warm(port: number, count: number): Promise<void> {
  const warmers = new IdleConnections();
  const clientIds = Array.from({ length: count }, (_, i) => `mqb${process.pid}w${setup.worker}-${i}`);
  const opened = await warmers.open(port, clientIds, setup.keepAlive, setup.maxPending, new ErrorLog());
  await warmers.stopAll();
  send({ type: 'warmed', ready: opened.ready });
}

parent.on('message', (message: ToWorker) => {
  if (message.cmd === 'open') brokerPort = message.port;
  if (message.cmd === 'warm') {
    const count = idleConnectionsAvailable ? message.count : 0;
    (count > 0 ? warm(message.port, count) : Promise.resolve(send({ type: 'warmed', ready: 0 }))).catch(
      (error: unknown) => send({ type: 'fatal', message: String(error) }),
    );
    return;
  }
  const task =
    message.cmd === 'open'
      ? openRole(message.role)
      : message.cmd === 'run'
        ? Promise.resolve(run(message.startNs, message.windowStartNs, message.windowEndNs))
        : stop();
  task.catch((error: unknown) => send({ type: 'fatal', message: String(error) }));
});
