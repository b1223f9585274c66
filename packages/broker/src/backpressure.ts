/** A publishing connection whose reading can be held back. */
export interface Holdable {
  holdReading(): void;
  resumeReading(): void;
}

/**
 * Which publishers are held back by which full subscriber queues (queuePolicy 'backpressure'). A held
 * publisher's socket is paused, so its further PUBLISHes (and so their PUBACKs) wait in the kernel
 * instead of in broker memory; it reads again once every queue holding it has drained below its low-water
 * mark, or that subscriber went away. Both maps stay empty while nobody is held, so idle connections cost
 * nothing here.
 */
export class Backpressure<S extends object> {
  readonly #bySession = new Map<S, Set<Holdable>>();
  readonly #byPublisher = new Map<Holdable, Set<S>>();

  /** Holds a publisher back for a session's full queue (idempotent). */
  hold(publisher: Holdable, session: S): void {
    let publishers = this.#bySession.get(session);
    if (publishers === undefined) {
      publishers = new Set();
      this.#bySession.set(session, publishers);
    }
    publishers.add(publisher);
    let sessions = this.#byPublisher.get(publisher);
    if (sessions === undefined) {
      sessions = new Set();
      this.#byPublisher.set(publisher, sessions);
      publisher.holdReading();
    }
    sessions.add(session);
  }

  isHolding(session: S): boolean {
    return this.#bySession.size > 0 && this.#bySession.has(session);
  }

  isHeld(publisher: Holdable): boolean {
    return this.#byPublisher.size > 0 && this.#byPublisher.has(publisher);
  }

  /** The session's queue drained (or it went offline or ended): its publishers may read again. */
  releaseSession(session: S): void {
    const publishers = this.#bySession.get(session);
    if (publishers === undefined) return;
    this.#bySession.delete(session);
    for (const publisher of publishers) {
      const sessions = this.#byPublisher.get(publisher);
      sessions?.delete(session);
      if (sessions?.size === 0) {
        this.#byPublisher.delete(publisher);
        publisher.resumeReading();
      }
    }
  }

  /** Lets a publisher read again whatever holds it (it closed, or it must read acks of its own). */
  releasePublisher(publisher: Holdable): void {
    const sessions = this.#byPublisher.get(publisher);
    if (sessions === undefined) return;
    this.#byPublisher.delete(publisher);
    for (const session of sessions) {
      const publishers = this.#bySession.get(session);
      publishers?.delete(publisher);
      if (publishers?.size === 0) this.#bySession.delete(session);
    }
    publisher.resumeReading();
  }
}
