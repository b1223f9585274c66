/**
 * @mq/codec vs mqtt-packet@9 on identical inputs, in one process. For each case: warm up, then several timed
 * rounds; the median round gives ops/s. Prints one JSON line per case.
 *
 *   pnpm --filter @mq/codec bench            (BENCH_ROUND_MS=300 BENCH_ROUNDS=7 by default)
 */
import mqtt from 'mqtt-packet';
import { encodePacket, type Packet, PacketDecoder, type ProtocolVersion } from '../src/index.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 400);

let sink = 0;

/** Ops/s of one timed round of `fn`, which runs `batch` operations per call. */
function round(fn: () => void, batch: number): number {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ROUND_MS) {
    fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Median ops/s of `ours` and `theirs`. Rounds alternate between the two so that load from other processes
 * on the machine hits both alike.
 */
function compare(ours: () => void, theirs: () => void, batch: number): [number, number] {
  const deadline = performance.now() + WARMUP_MS;
  while (performance.now() < deadline) {
    ours();
    theirs();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(round(ours, batch));
    b.push(round(theirs, batch));
  }
  return [median(a), median(b)];
}

function report(name: string, ours: number, baseline: number): void {
  console.log(
    JSON.stringify({
      suite: 'codec',
      case: name,
      ours_ops_s: Math.round(ours),
      baseline: 'mqtt-packet',
      baseline_ops_s: Math.round(baseline),
      ratio: Math.round((ours / baseline) * 100) / 100,
    }),
  );
}

interface Case {
  name: string;
  version: ProtocolVersion;
  ours: Packet;
  theirs: Record<string, unknown>;
}

const payload64 = Buffer.alloc(64, 0x61);
const payload4k = Buffer.alloc(4096, 0x62);
const v5PublishProps = {
  ours: {
    contentType: 'application/json',
    messageExpiryInterval: 60,
    userProperties: [['trace', 'abc123']] as [string, string][],
  },
  theirs: { contentType: 'application/json', messageExpiryInterval: 60, userProperties: { trace: 'abc123' } },
};

function publishCase(
  name: string,
  version: ProtocolVersion,
  body: Buffer,
  withProps: boolean,
  qos: 0 | 1 = 1,
): Case {
  const topic = 'sensors/building-1/floor-2/temperature';
  return {
    name,
    version,
    ours: {
      type: 'publish',
      topic,
      payload: body,
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { packetId: 42 } : {}),
      ...(withProps ? { properties: v5PublishProps.ours } : {}),
    },
    theirs: {
      cmd: 'publish',
      topic,
      payload: body,
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { messageId: 42 } : {}),
      ...(withProps ? { properties: v5PublishProps.theirs } : {}),
    },
  };
}

const filters = Array.from({ length: 10 }, (_, i) => `home/room-${i}/+/state`);

const cases: Case[] = [
  publishCase('publish-64B-qos0-v4', 4, payload64, false, 0),
  publishCase('publish-64B-v4', 4, payload64, false),
  publishCase('publish-4KiB-v4', 4, payload4k, false),
  publishCase('publish-64B-v5-props', 5, payload64, true),
  publishCase('publish-4KiB-v5-props', 5, payload4k, true),
  {
    name: 'connect-v4',
    version: 4,
    ours: {
      type: 'connect',
      protocolVersion: 4,
      protocolName: 'MQTT',
      clientId: 'bench-client-0001',
      cleanStart: true,
      keepAlive: 60,
      username: 'user',
      password: Buffer.from('secret'),
      will: {
        topic: 'clients/bench-client-0001/status',
        payload: Buffer.from('offline'),
        qos: 1,
        retain: true,
      },
    },
    theirs: {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'bench-client-0001',
      clean: true,
      keepalive: 60,
      username: 'user',
      password: Buffer.from('secret'),
      will: {
        topic: 'clients/bench-client-0001/status',
        payload: Buffer.from('offline'),
        qos: 1,
        retain: true,
      },
    },
  },
  {
    name: 'subscribe-10-filters-v4',
    version: 4,
    ours: {
      type: 'subscribe',
      packetId: 7,
      subscriptions: filters.map((topicFilter) => ({ topicFilter, qos: 1 as const })),
    },
    theirs: { cmd: 'subscribe', messageId: 7, subscriptions: filters.map((topic) => ({ topic, qos: 1 })) },
  },
];

const BATCH = 100;

for (const c of cases) {
  const bytes = Buffer.from(encodePacket(c.ours, c.version));
  const theirBytes = mqtt.generate(c.theirs as never, { protocolVersion: c.version });
  if (!bytes.equals(theirBytes) && c.version === 4) {
    throw new Error(`${c.name}: encoders disagree on the bytes; the comparison would not be fair`);
  }

  // Decode: a stream decoder fed one Buffer per packet, as a socket would.
  const decoder = new PacketDecoder({ protocolVersion: c.version });
  const onPacket = (p: Packet) => {
    sink += p.type.length;
  };
  const parser = mqtt.parser({ protocolVersion: c.version });
  parser.on('packet', (p: { cmd: string }) => {
    sink += p.cmd.length;
  });
  parser.on('error', (e: Error) => {
    throw e;
  });
  const [oursDecode, theirsDecode] = compare(
    () => {
      for (let i = 0; i < BATCH; i++) decoder.push(bytes, onPacket);
    },
    () => {
      for (let i = 0; i < BATCH; i++) parser.parse(bytes);
    },
    BATCH,
  );
  report(`decode-${c.name}`, oursDecode, theirsDecode);

  const opts = { protocolVersion: c.version };
  const [oursEncode, theirsEncode] = compare(
    () => {
      for (let i = 0; i < BATCH; i++) sink += encodePacket(c.ours, c.version).length;
    },
    () => {
      for (let i = 0; i < BATCH; i++) sink += mqtt.generate(c.theirs as never, opts).length;
    },
    BATCH,
  );
  report(`encode-${c.name}`, oursEncode, theirsEncode);
}

if (sink === -1) console.log('unreachable');
