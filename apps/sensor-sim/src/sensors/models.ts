import { dailyWave, daylight, hourOfDay, occupancy } from './daily-cycle.js';
import { clamp, RandomWalk, round } from './random-walk.js';
import type { Rng } from './rng.js';

/** Produces the next reading; `dt` is the time since the previous one, in seconds. */
export type Model = (now: Date, dtSeconds: number) => number | boolean;

export interface KindSpec {
  unit: string;
  /** Physical bounds every reading stays within (motion has none). */
  bounds?: readonly [number, number];
  create(rng: Rng): Model;
}

/** Indoor air: about 21 °C, warmest mid-afternoon, with slow drift. */
const temperature: KindSpec = {
  unit: '°C',
  bounds: [-20, 50],
  create(rng) {
    const base = 19.5 + rng.next() * 3;
    const walk = new RandomWalk(rng, { volatility: 0.05, range: 3 });
    return (now, dt) => clamp(round(base + 1.5 * dailyWave(hourOfDay(now), 15) + walk.step(dt), 1), -20, 50);
  },
};

/** Relative humidity: higher at night when the air is cooler, showers push it up for a while. */
const humidity: KindSpec = {
  unit: '%',
  bounds: [0, 100],
  create(rng) {
    const base = 40 + rng.next() * 15;
    const walk = new RandomWalk(rng, { volatility: 0.3, range: 20, pullback: 0.005 });
    return (now, dt) => clamp(round(base - 5 * dailyWave(hourOfDay(now), 15) + walk.step(dt), 1), 0, 100);
  },
};

/** Illuminance: daylight through a window under passing clouds, plus lamps in the evening. */
const light: KindSpec = {
  unit: 'lx',
  bounds: [0, 100_000],
  create(rng) {
    const window = 300 + rng.next() * 700;
    const clouds = new RandomWalk(rng, { volatility: 0.02, range: 0.35 });
    let lampOn = false;
    return (now, dt) => {
      const hour = hourOfDay(now);
      const sun = window * daylight(hour) * (0.65 + clouds.step(dt));
      // Lamps switch rarely: a small chance per second, weighted by how busy the room is.
      if (rng.next() < Math.min(1, 0.01 * dt)) lampOn = rng.next() < occupancy(hour) && daylight(hour) < 0.3;
      return clamp(Math.round(sun + (lampOn ? 250 : 0) + Math.abs(rng.gaussian())), 0, 100_000);
    };
  },
};

/** Presence: a two-state chain whose chance of activity follows the hour of the day. */
const motion: KindSpec = {
  unit: 'bool',
  create(rng) {
    let active = false;
    return (now, dt) => {
      const busy = occupancy(hourOfDay(now));
      // Probability per second of switching on (busier hours) or off (about a minute of activity).
      const p = active ? 1 - (1 - 1 / 60) ** dt : 1 - (1 - busy / 30) ** dt;
      if (rng.next() < p) active = !active;
      return active;
    };
  },
};

/** Electrical load: a standby floor, morning and evening peaks, and an appliance switching on now and then. */
const power: KindSpec = {
  unit: 'W',
  bounds: [0, 11_000],
  create(rng) {
    const standby = 60 + rng.next() * 60;
    const walk = new RandomWalk(rng, { volatility: 4, range: 80 });
    let applianceW = 0;
    let applianceLeft = 0;
    return (now, dt) => {
      const hour = hourOfDay(now);
      const peaks =
        250 * Math.max(0, dailyWave(hour, 7.5)) ** 8 + 400 * Math.max(0, dailyWave(hour, 19)) ** 4;
      applianceLeft -= dt;
      if (applianceLeft <= 0) applianceW = 0;
      if (applianceW === 0 && rng.next() < Math.min(1, (occupancy(hour) / 120) * dt)) {
        applianceW = 800 + rng.next() * 1700;
        applianceLeft = 30 + rng.next() * 270;
      }
      return clamp(round(standby + peaks + walk.step(dt) + applianceW, 1), 0, 11_000);
    };
  },
};

export const SENSOR_KINDS = { temperature, humidity, light, motion, power } as const;
export type SensorKind = keyof typeof SENSOR_KINDS;
export const KIND_NAMES = Object.keys(SENSOR_KINDS) as SensorKind[];
