import type { QoS } from './load/wire.js';

export type Shape = 'fanin' | 'fanout' | 'pairs' | 'conns';

export interface Scenario {
  readonly name: string;
  readonly shape: Shape;
  readonly qos: QoS;
  readonly publishers: number;
  readonly subscribers: number;
  readonly payload: number;
  /** Messages/s per publisher; 0 = as fast as flow control allows. */
  readonly rate: number;
  /** Idle connections (conns only). */
  readonly connections: number;
  /** What the summary row reports. */
  readonly metric: 'throughput' | 'latency' | 'connections';
}

const base = { payload: 64, rate: 0, connections: 0, metric: 'throughput' } as const;
const fanin = { ...base, shape: 'fanin', publishers: 50, subscribers: 1 } as const;
const pairs = { ...base, shape: 'pairs', publishers: 50, subscribers: 50 } as const;

/** The scenarios, in the order of its reference figures (mqload's names). */
export const SCENARIOS = [
  { ...fanin, name: 'fanin-q0', qos: 0 },
  { ...fanin, name: 'fanin-q1', qos: 1 },
  { ...fanin, name: 'fanin-q0-4k', qos: 0, payload: 4096 },
  { ...base, name: 'fanout-q0', shape: 'fanout', qos: 0, publishers: 1, subscribers: 100 },
  { ...pairs, name: 'pairs-q0', qos: 0 },
  { ...pairs, name: 'pairs-q1', qos: 1 },
  { ...pairs, name: 'pairs-q2', qos: 2 },
  { ...pairs, name: 'pairs-q1-r100', qos: 1, rate: 100, metric: 'latency' },
  {
    ...base,
    name: 'conns',
    shape: 'conns',
    qos: 0,
    publishers: 0,
    subscribers: 0,
    connections: 10_000,
    metric: 'connections',
  },
] as const satisfies readonly Scenario[];

export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
