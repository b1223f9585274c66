import { describe, expect, it } from 'vitest';
import { daylight, occupancy } from '../src/sensors/daily-cycle.js';
import { createFleet, reading } from '../src/sensors/fleet.js';
import { KIND_NAMES, SENSOR_KINDS } from '../src/sensors/models.js';
import { RandomWalk } from '../src/sensors/random-walk.js';
import { createRng } from '../src/sensors/rng.js';

function at(hour: number): Date {
  const d = new Date(2026, 5, 21, 0, 0, 0);
  d.setTime(d.getTime() + hour * 3_600_000);
  return d;
}

describe('createRng', () => {
  it('is deterministic per seed and uniform-ish in [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('RandomWalk', () => {
  it('stays within its range', () => {
    const walk = new RandomWalk(createRng(1), { volatility: 5, range: 2 });
    for (let i = 0; i < 10_000; i++) {
      const v = walk.step(1);
      expect(Math.abs(v)).toBeLessThanOrEqual(2);
    }
  });
});

describe('daily cycle', () => {
  it('has no daylight at night and full daylight at noon', () => {
    expect(daylight(2)).toBe(0);
    expect(daylight(23)).toBe(0);
    expect(daylight(13)).toBeCloseTo(1, 5);
    expect(occupancy(3)).toBeLessThan(occupancy(20));
  });
});

describe('sensor models', () => {
  it.each(KIND_NAMES)('%s stays within its physical bounds over two simulated days', (kind) => {
    const spec = SENSOR_KINDS[kind];
    const model = spec.create(createRng(7));
    for (let minute = 0; minute < 2 * 24 * 60; minute++) {
      const value = model(at(minute / 60), 60);
      if (spec.bounds) {
        expect(typeof value).toBe('number');
        expect(value).toBeGreaterThanOrEqual(spec.bounds[0]);
        expect(value).toBeLessThanOrEqual(spec.bounds[1]);
      } else {
        expect(typeof value).toBe('boolean');
      }
    }
  });

  it('temperature is realistic indoors and warmer in the afternoon than before dawn', () => {
    let afternoon = 0;
    let dawn = 0;
    for (let seed = 0; seed < 20; seed++) {
      const model = SENSOR_KINDS.temperature.create(createRng(seed));
      const values = Array.from({ length: 24 * 60 }, (_, m) => model(at(m / 60), 60) as number);
      for (const v of values) {
        expect(v).toBeGreaterThan(10);
        expect(v).toBeLessThan(30);
      }
      afternoon += values[15 * 60] ?? 0;
      dawn += values[4 * 60] ?? 0;
    }
    expect(afternoon / 20).toBeGreaterThan(dawn / 20);
  });

  it('light is dark at 3 am without lamps and bright at noon', () => {
    const model = SENSOR_KINDS.light.create(createRng(3));
    let noon = 0;
    for (let m = 0; m <= 12 * 60; m++) {
      const v = model(at(m / 60), 60) as number;
      if (m === 3 * 60) expect(v).toBeLessThan(300);
      if (m === 12 * 60) noon = v;
    }
    expect(noon).toBeGreaterThan(100);
  });

  it('consecutive readings change smoothly (random walk, not white noise)', () => {
    const model = SENSOR_KINDS.temperature.create(createRng(9));
    let previous = model(at(10), 1) as number;
    for (let s = 1; s < 600; s++) {
      const v = model(at(10 + s / 3600), 1) as number;
      expect(Math.abs(v - previous)).toBeLessThan(0.6);
      previous = v;
    }
  });
});

describe('createFleet', () => {
  it('spreads kinds and rooms and builds topics sensors/<kind>/<room>/<id>', () => {
    const fleet = createFleet({ count: 12, seed: 1 });
    expect(new Set(fleet.map((s) => s.kind))).toEqual(new Set(KIND_NAMES));
    expect(new Set(fleet.map((s) => s.id)).size).toBe(12);
    expect(fleet[0]).toMatchObject({
      id: 'temperature-1',
      kind: 'temperature',
      room: 'kitchen',
      topic: 'sensors/temperature/kitchen/temperature-1',
      statusTopic: 'sensors/temperature/kitchen/temperature-1/status',
    });
    expect(fleet[5]?.room).toBe('living-room');
  });

  it('honours kinds and prefix', () => {
    const fleet = createFleet({ count: 3, kinds: ['power'], prefix: 'home/s', seed: 1 });
    expect(fleet.map((s) => s.topic)).toEqual([
      'home/s/power/kitchen/power-1',
      'home/s/power/living-room/power-2',
      'home/s/power/bedroom/power-3',
    ]);
  });

  it('builds a JSON-ready reading', () => {
    const [sensor] = createFleet({ count: 1, seed: 1 });
    if (!sensor) throw new Error('no sensor');
    const r = reading(sensor, at(12), 1, 4);
    expect(JSON.parse(JSON.stringify(r))).toEqual({
      id: 'temperature-1',
      kind: 'temperature',
      room: 'kitchen',
      value: r.value,
      unit: '°C',
      ts: at(12).getTime(),
      seq: 4,
    });
  });
});
