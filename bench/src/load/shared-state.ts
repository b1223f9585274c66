/**
 * Counters the load workers and the coordinator share through one
 * SharedArrayBuffer. Publishers read how far subscribers got (the end-to-end
 * window) and the coordinator reads totals to know when a run has drained.
 * Nobody is woken through it: Atomics.notify per read cost the loader a third
 * of a core, so gated publishers poll instead (see worker.ts).
 */

const PROGRESS = 0;
const Q2_PENDING = 1;
const HEADER = 2;

export class SharedState {
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;
  readonly #tracks: number;
  readonly #publishers: number;

  constructor(tracks: number, publishers: number, buffer?: SharedArrayBuffer) {
    this.#tracks = tracks;
    this.#publishers = publishers;
    const cells = HEADER + tracks * 2 + publishers * 2;
    this.buffer = buffer ?? new SharedArrayBuffer(cells * Int32Array.BYTES_PER_ELEMENT);
    this.#cells = new Int32Array(this.buffer);
  }

  /** Highest sequence number + 1 a subscriber has seen on a track. */
  trackNext(track: number): number {
    return Atomics.load(this.#cells, HEADER + track);
  }
  setTrackNext(track: number, next: number): void {
    Atomics.store(this.#cells, HEADER + track, next);
  }
  trackUnique(track: number): number {
    return Atomics.load(this.#cells, HEADER + this.#tracks + track);
  }
  setTrackUnique(track: number, unique: number): void {
    Atomics.store(this.#cells, HEADER + this.#tracks + track, unique);
  }
  publisherSent(publisher: number): number {
    return Atomics.load(this.#cells, HEADER + 2 * this.#tracks + publisher);
  }
  setPublisherSent(publisher: number, sent: number): void {
    Atomics.store(this.#cells, HEADER + 2 * this.#tracks + publisher, sent);
  }
  publisherInflight(publisher: number): number {
    return Atomics.load(this.#cells, HEADER + 2 * this.#tracks + this.#publishers + publisher);
  }
  setPublisherInflight(publisher: number, inflight: number): void {
    Atomics.store(this.#cells, HEADER + 2 * this.#tracks + this.#publishers + publisher, inflight);
  }
  addQos2Pending(delta: number): void {
    Atomics.add(this.#cells, Q2_PENDING, delta);
  }
  qos2Pending(): number {
    return Atomics.load(this.#cells, Q2_PENDING);
  }

  /** Subscribers bump this after each read that advanced a track (the coordinator watches it while draining). */
  signalProgress(): void {
    Atomics.add(this.#cells, PROGRESS, 1);
  }
  progress(): number {
    return Atomics.load(this.#cells, PROGRESS);
  }
}
