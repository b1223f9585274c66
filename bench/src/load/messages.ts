import type { Scenario } from '../scenarios.js';

/** Types shared by the coordinator and the load workers. */

export type Role = 'pub' | 'sub' | 'idle';

export interface ConnectionSpec {
  readonly role: Role;
  /** Publisher, subscriber or idle-connection index within the scenario. */
  readonly index: number;
  readonly topic: string;
}

export interface FlowControl {
  /** Unacknowledged QoS 1/2 PUBLISHes per publisher. */
  readonly inflight: number;
  /** Messages per publisher sent but not yet seen by every subscriber; 0 = off. */
  readonly window: number;
  /** A gated publisher resumes once this percentage of its window is free. */
  readonly resumePct: number;
}

export interface WorkerSetup {
  readonly worker: number;
  readonly scenario: Scenario;
  readonly flow: FlowControl;
  readonly keepAlive: number;
  /** Concurrent handshakes this worker keeps open while connecting. */
  readonly maxPending: number;
  readonly connections: readonly ConnectionSpec[];
  readonly shared: SharedArrayBuffer;
  readonly tracks: number;
  readonly epoch: bigint;
  /** Seconds in the measured window (sizes the per-second counts). */
  readonly durationS: number;
}

export type ToWorker =
  | { readonly cmd: 'open'; readonly role: Role; readonly port: number }
  | {
      readonly cmd: 'run';
      readonly startNs: number;
      readonly windowStartNs: number;
      readonly windowEndNs: number;
    }
  /** conns: open this many idle connections to a stand-in server and close them (warms the generator up). */
  | { readonly cmd: 'warm'; readonly port: number; readonly count: number }
  | { readonly cmd: 'stop' };

export interface OpenedReport {
  readonly type: 'opened';
  readonly role: Role;
  readonly ready: number;
  readonly failed: number;
  readonly handshakeNs: number[];
}

export interface WorkerResult {
  readonly type: 'result';
  readonly sent: number;
  readonly acked: number;
  readonly received: number;
  readonly unique: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly receivedInWindow: number;
  readonly perSecond: number[];
  readonly histogram: { fine: Uint32Array; coarse: Uint32Array; count: number; sumUs: number; maxUs: number };
  readonly closedByBroker: number;
  readonly aliveAtEnd: number;
  readonly errors: number;
  readonly errorMessages: Array<[string, number]>;
}

export type FromWorker =
  | OpenedReport
  | WorkerResult
  | { readonly type: 'warmed'; readonly ready: number }
  | { readonly type: 'fatal'; readonly message: string };
