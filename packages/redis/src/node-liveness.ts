/**
 * Which other cluster nodes this node still hears, from the heartbeat frames every node sends on the
 * shares channel. Pure bookkeeping: the caller passes the times, so it costs nothing per message.
 *
 * A node's silence is measured against this node's own heartbeats coming back from Redis, not against
 * the wall clock: frames of all nodes reach this node over one connection in one order, so when this
 * node's own view is behind (its subscriber connection is slow or reconnecting, or its event loop was
 * blocked) the others' heartbeats are behind by as much, and nobody is judged dead for it. After a gap
 * of more than half the window in its own heartbeats (an outage), every node gets the full window again.
 */
export class NodeLiveness {
  readonly #deadAfterMs: number;
  /** When each other node was last heard (any frame of its own), or when it was first seen. */
  readonly #heard = new Map<string, number>();
  /** When this node's own heartbeat came back last. */
  #self: number | undefined;
  /** Since when this node's own heartbeats came back without a long gap: nobody is silent from before. */
  #since = 0;

  constructor(deadAfterMs: number) {
    this.#deadAfterMs = deadAfterMs;
  }

  /** This node's own heartbeat came back at `at`. */
  heardSelf(at: number): void {
    if (this.#self === undefined || at - this.#self > this.#deadAfterMs / 2) this.#since = at;
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
