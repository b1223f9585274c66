import type { Rng } from './rng.js';

export interface WalkOptions {
  /** Deviation of one step per second of elapsed time (steps scale with the square root of dt). */
  volatility: number;
  /** The walk wanders within [-range, +range] around zero; it is pulled back towards zero. */
  range: number;
  /** Fraction of the offset removed per second, so the walk does not stick to a bound. Default 0.01. */
  pullback?: number;
}

/** A mean-reverting random walk: the noise on top of a sensor's deterministic curve. */
export class RandomWalk {
  #offset = 0;
  readonly #rng: Rng;
  readonly #options: Required<WalkOptions>;

  constructor(rng: Rng, options: WalkOptions) {
    this.#rng = rng;
    this.#options = { pullback: 0.01, ...options };
  }

  get offset(): number {
    return this.#offset;
  }

  step(dtSeconds: number): number {
    const { volatility, range, pullback } = this.#options;
    const dt = Math.max(0, dtSeconds);
    const drift = -this.#offset * Math.min(1, pullback * dt);
    const next = this.#offset + drift + this.#rng.gaussian() * volatility * Math.sqrt(dt);
    this.#offset = clamp(next, -range, range);
    return this.#offset;
  }
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
