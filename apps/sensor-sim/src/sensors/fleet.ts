import { KIND_NAMES, type Model, SENSOR_KINDS, type SensorKind } from './models.js';
import { createRng } from './rng.js';

export const ROOMS = [
  'kitchen',
  'living-room',
  'bedroom',
  'office',
  'bathroom',
  'hallway',
  'garage',
] as const;

export interface Sensor {
  id: string;
  kind: SensorKind;
  room: string;
  unit: string;
  /** `<prefix>/<kind>/<room>/<id>`: where readings go. */
  topic: string;
  /** `<topic>/status`: retained `online`, and the will sets it to `offline`. */
  statusTopic: string;
  model: Model;
}

export interface FleetOptions {
  count: number;
  kinds?: readonly SensorKind[];
  prefix?: string;
  seed?: number;
}

/**
 * N sensors: kinds in turn, so every kind is present from N = 5, spread over the rooms.
 * Ids are kind + number (`temperature-3`), unique within a fleet.
 */
export function createFleet(options: FleetOptions): Sensor[] {
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : KIND_NAMES;
  const prefix = options.prefix ?? 'sensors';
  const seed = options.seed ?? Date.now();
  const sensors: Sensor[] = [];
  for (let i = 0; i < options.count; i++) {
    const kind = kinds[i % kinds.length] as SensorKind;
    const room = ROOMS[Math.floor(i / kinds.length) % ROOMS.length] as string;
    const id = `${kind}-${i + 1}`;
    const topic = `${prefix}/${kind}/${room}/${id}`;
    sensors.push({
      id,
      kind,
      room,
      unit: SENSOR_KINDS[kind].unit,
      topic,
      statusTopic: `${topic}/status`,
      model: SENSOR_KINDS[kind].create(createRng(seed + i * 7919)),
    });
  }
  return sensors;
}

export interface Reading {
  id: string;
  kind: SensorKind;
  room: string;
  value: number | boolean;
  unit: string;
  /** Milliseconds since the epoch. */
  ts: number;
  seq: number;
}

export function reading(sensor: Sensor, now: Date, dtSeconds: number, seq: number): Reading {
  return {
    id: sensor.id,
    kind: sensor.kind,
    room: sensor.room,
    value: sensor.model(now, dtSeconds),
    unit: sensor.unit,
    ts: now.getTime(),
    seq,
  };
}
