/**
 * Which other cluster nodes this node still hears, from the heartbeat frames every node sends on the
 * shares channel. Pure bookkeeping: the caller passes the times, so it costs nothing per message.
 *
 * A node's silence is measured against this node's own heartbeats coming back from Redis, not against
 * the wall clock: frames of all nodes reach this node over one connection in one order, so when this
 * node's own view is behind (its subscriber connection is slow or reconnecting, or its event loop was
 * blocked) the others' heartbeats are behind by as much, and nobody is judged dead for it.
 *
 * After a gap in its own heartbeats (an outage) the others' first heartbeats may come up to a period
 * after its own, so a gap longer than the window less two periods gives every node the whole window
 * again: no node is taken for dead because this node's own view was interrupted.
 */
export class NodeLiveness {
  readonly #deadAfterMs: number;
  /** A longer gap in this node's own heartbeats restarts everyone's window. */
  readonly #maxGapMs: number;
  /** When each other node was last heard (any frame of its own), or when it was first seen. */
  readonly #heard = new Map<string, number>();
  /** When this node's own heartbeat came back last. */
  #self: number | undefined;
  /** Since when this node's own heartbeats came back without a long gap: nobody is silent from before. */
  #since = 0;

  /** `deadAfterMs` should be at least 4 × `heartbeatMs` (RedisRouteBus checks it). */
  constructor(deadAfterMs: number, heartbeatMs: number) {
    this.#deadAfterMs = deadAfterMs;
    this.#maxGapMs = deadAfterMs - 2 * heartbeatMs;
  }

  /** This node's own heartbeat came back at `at`. */
  heardSelf(at: number): void {
    if (this.#self === undefined || at - this.#self > this.#maxGapMs) this.#since = at;
    this.#self = at;
  }

  /** Node `node` sent a frame, received at `at`. */
  heard(node: string, at: number): void {
    this.#heard.set(node, at);
  }

  /** Starts the clock of a node not heard yet (it appeared in the group table without a heartbeat). */
  track(node: string, at: number): void {
    if (!this.#heard.has(node)) this.#heard.set(node, at);
  }

  /** Stops watching a node (it left cleanly, or its entries were removed). */
  forget(node: string): void {
    this.#heard.delete(node);
  }

  /** Whether `node` was heard within the window (false for a node never seen). */
  isAlive(node: string): boolean {
    const heard = this.#heard.get(node);
    return heard !== undefined && !this.#isSilent(heard);
  }

  /** The watched nodes not heard for longer than the window. */
  silent(): string[] {
    const out: string[] = [];
    for (const [node, heard] of this.#heard) if (this.#isSilent(heard)) out.push(node);
    return out;
  }

  #isSilent(heard: number): boolean {
    if (this.#self === undefined) return false;
    return this.#self - Math.max(heard, this.#since) > this.#deadAfterMs;
  }
}
