import { ReasonCode } from '@mq/codec';
import type { Connection } from './connection.js';
import type { AcceptedTransport } from './listeners/types.js';
import type { BrokerLimits } from './options.js';
import { WindowCounter } from './rate-limit.js';

/** Refusals decided when a socket was accepted, sent as the CONNACK reason code when its CONNECT arrives. */
export const admissionRefusals = new WeakMap<Connection, number>();

/** Rate windows kept at most for this many addresses before idle ones are pruned. */
const PRUNE_AT = 10_000;

/**
 * Connection limits per broker and per IP address. A socket over a limit is still read until its CONNECT
 * (bounded by connectTimeoutMs) so that the client learns why: 0x97 Quota exceeded for the connection
 * caps, 0x9F Connection rate exceeded for the rate (3.1.1: return code 3, Server unavailable).
 */
export class Admission {
  readonly #limits: BrokerLimits;
  readonly #open = new Map<string, number>();
  readonly #rates = new Map<string, WindowCounter>();
  /** Per-address counts are kept only when a per-address limit is set: else no address lookup per socket. */
  readonly #perAddress: boolean;

  constructor(limits: BrokerLimits) {
    this.#limits = limits;
    this.#perAddress = limits.maxConnectionsPerIp > 0 || limits.connectRatePerIp > 0;
  }

  /** Counts a new socket; returns the reason code to refuse it with, if any. */
  admit(transport: AcceptedTransport, totalOpen: number): number | undefined {
    const { maxConnections, maxConnectionsPerIp, connectRatePerIp, connectRateIntervalMs } = this.#limits;
    if (!this.#perAddress) {
      return maxConnections > 0 && totalOpen > maxConnections ? ReasonCode.QuotaExceeded : undefined;
    }
    // Counted before any refusal: release() takes every socket back off, refused or not.
    const ip = transport.remoteAddress ?? '';
    const open = (this.#open.get(ip) ?? 0) + 1;
    this.#open.set(ip, open);
    if (maxConnections > 0 && totalOpen > maxConnections) return ReasonCode.QuotaExceeded;
    if (maxConnectionsPerIp > 0 && open > maxConnectionsPerIp) return ReasonCode.QuotaExceeded;
    if (connectRatePerIp > 0) {
      let counter = this.#rates.get(ip);
      if (!counter) {
        if (this.#rates.size >= PRUNE_AT) this.#prune();
        counter = new WindowCounter(connectRatePerIp, connectRateIntervalMs);
        this.#rates.set(ip, counter);
      }
      if (!counter.take()) return ReasonCode.ConnectionRateExceeded;
    }
    return undefined;
  }

  release(transport: AcceptedTransport): void {
    if (!this.#perAddress) return;
    const ip = transport.remoteAddress ?? '';
    const open = (this.#open.get(ip) ?? 1) - 1;
    if (open <= 0) this.#open.delete(ip);
    else this.#open.set(ip, open);
  }

  #prune(): void {
    const now = Date.now();
    for (const [ip, counter] of this.#rates) if (counter.idle(now)) this.#rates.delete(ip);
  }
}
