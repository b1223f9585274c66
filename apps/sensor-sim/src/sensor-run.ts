import { createClient, type MqttClient } from '@mq/client';
import type { SensorArgs } from './args.js';
import { clientOptions, errorText, instanceTag, negotiateVersion } from './link.js';
import { createFleet, reading, type Sensor } from './sensors/fleet.js';
import { formatStatus, RateMeter, type SimCounters, StatusLine } from './status-line.js';
import { watchTopics } from './watch.js';

export interface SensorSummary extends SimCounters {
  mode: 'sensors';
  url: string;
  protocolVersion: number;
  qos: number;
  elapsedS: number;
  perSecond: number;
  /** Whether at least one sensor connected at some point. */
  everConnected: boolean;
}

interface Running {
  sensor: Sensor;
  client: MqttClient;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs the fleet: one client per sensor (each with its own will), one timer per sensor.
 * Resolves with the summary once `stop` resolves or the duration is over and every client has ended.
 */
export async function runSensors(
  args: SensorArgs,
  io: {
    env: NodeJS.ProcessEnv;
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WriteStream;
    stop: Promise<void>;
  },
): Promise<SensorSummary> {
  const sensors = createFleet({
    count: args.sensors,
    kinds: args.kinds,
    prefix: args.prefix,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  });
  const counters: SimCounters = {
    sensors: sensors.length,
    connected: 0,
    published: 0,
    acked: 0,
    errors: 0,
    reconnects: 0,
  };
  let everConnected = false;
  const lastErrors = new Map<string, number>();
  const noteError = (error: unknown) => {
    counters.errors++;
    const text = errorText(error);
    lastErrors.set(text, (lastErrors.get(text) ?? 0) + 1);
  };
  const tag = instanceTag();
  const base = await negotiateVersion(
    args.url,
    clientOptions(args, io.env),
    args.protocolVersion !== undefined,
  );
  const periodMs = 1000 / args.rate;
  const startedAt = Date.now();

  const running: Running[] = sensors.map((sensor) => {
    const client = createClient(args.url, {
      ...base,
      clientId: `mq-sim-${tag}-${sensor.id}`,
      will: { topic: sensor.statusTopic, payload: 'offline', qos: 1, retain: true },
    });
    client.on('state', (state, previous) => {
      if (state === 'connected') counters.connected++;
      if (previous === 'connected') counters.connected--;
    });
    client.on('connect', (info) => {
      everConnected = true;
      if (info.reconnect) counters.reconnects++;
      // After a lost connection the broker published the will: announce ourselves again.
      client.publish(sensor.statusTopic, 'online', { qos: 1, retain: true }).catch(noteError);
    });
    client.on('close', (error) => {
      if (error) noteError(error);
    });
    client.on('error', noteError);
    return { sensor, client, timer: undefined };
  });

  // One timer per sensor, started at a random phase so readings spread over the period.
  for (const entry of running) {
    let seq = 0;
    let last = Date.now();
    const tick = () => {
      const now = new Date();
      const dt = (now.getTime() - last) / 1000;
      last = now.getTime();
      // A QoS 0 reading while offline would only pile up; QoS 1/2 ones wait in the client's queue.
      if (entry.client.state !== 'connected' && args.qos === 0) return;
      if (entry.client.state === 'closed') return;
      const payload = JSON.stringify(reading(entry.sensor, now, dt, seq++));
      counters.published++;
      entry.client.publish(entry.sensor.topic, payload, { qos: args.qos }).then(() => {
        if (args.qos > 0) counters.acked++;
      }, noteError);
    };
    entry.timer = setTimeout(() => {
      tick();
      entry.timer = setInterval(tick, periodMs);
    }, Math.random() * Math.min(periodMs, 5000));
  }

  const status = new StatusLine(io.stderr);
  const watcher = args.watch
    ? watchTopics(args.url, `${args.prefix}/#`, { ...base, clientId: `mq-sim-${tag}` }, (line) => {
        status.clear();
        io.stdout.write(`${line}\n`);
      })
    : undefined;
  const meter = new RateMeter();
  meter.sample(startedAt, 0);
  let printed = '';
  const report = () => {
    const line = formatStatus(counters, meter.sample(Date.now(), counters.published), args.qos);
    if (args.quiet) return;
    if (status.enabled) status.show(line);
    else {
      // Not a terminal: a line only when the connection picture changes.
      const key = `${counters.connected}/${counters.sensors}`;
      if (key !== printed) io.stderr.write(`mq-sim: ${line}\n`);
      printed = key;
    }
  };
  const ticker = setInterval(report, 1000);
  const warnTimer = setTimeout(() => {
    if (!everConnected) {
      status.clear();
      const why = [...lastErrors.keys()].at(-1) ?? 'no answer';
      io.stderr.write(`mq-sim: still trying to connect to ${args.url} (${why})\n`);
    }
  }, 10_000);

  const finished =
    args.duration > 0
      ? Promise.race([
          io.stop,
          new Promise<void>((resolve) => setTimeout(resolve, args.duration * 1000).unref()),
        ])
      : io.stop;
  await finished;

  clearInterval(ticker);
  clearTimeout(warnTimer);
  for (const entry of running) {
    clearTimeout(entry.timer);
    clearInterval(entry.timer);
  }
  report();
  status.clear();
  // A clean stop sends DISCONNECT, so the broker drops the will: set "offline" ourselves.
  await Promise.all(
    running.map(async ({ sensor, client }) => {
      try {
        if (client.state === 'connected') {
          await client.publish(sensor.statusTopic, 'offline', { qos: 1, retain: true });
        }
      } catch (error) {
        noteError(error);
      }
      // Readings queued while offline cannot leave now: do not wait for them.
      const force = client.state !== 'connected';
      await client.end({ force, timeout: 3000 }).catch(() => client.end({ force: true }));
    }),
  );
  await watcher?.close();
  const elapsedS = (Date.now() - startedAt) / 1000;
  return {
    mode: 'sensors',
    url: args.url,
    protocolVersion: base.protocolVersion ?? 5,
    qos: args.qos,
    ...counters,
    connected: running.filter((r) => r.client.state === 'connected').length,
    elapsedS: Math.round(elapsedS * 10) / 10,
    perSecond: Math.round((counters.published / Math.max(elapsedS, 0.001)) * 10) / 10,
    everConnected,
  };
}

export function formatSummary(s: SensorSummary): string {
  const acked = s.qos === 0 ? '' : `, ${s.acked} acknowledged`;
  return `mq-sim: ${s.sensors} sensors sent ${s.published} readings${acked} in ${s.elapsedS} s (${s.perSecond} msg/s) to ${s.url}; ${s.errors} errors, ${s.reconnects} reconnects`;
}
