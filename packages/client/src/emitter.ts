/**
 * A tiny typed event emitter that works the same in Node and browsers (no node:events in the
 * browser bundle). Unlike node:events, an 'error' with no listener is not thrown: the client
 * reports failures through promises too, so an unobserved error must not crash the process.
 */
// biome-ignore lint/suspicious/noExplicitAny: listener argument tuples are checked per event map
export type EventMap<Events> = { [K in keyof Events]: (...args: any[]) => void };

export class TypedEmitter<Events extends EventMap<Events>> {
  #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      this.off(event, wrapper);
      listener(...args);
    }) as Events[E];
    return this.on(event, wrapper);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  listenerCount<E extends keyof Events>(event: E): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): this {
    this.#listeners.clear();
    return this;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        // A throwing listener must not break the protocol flow; surface it asynchronously.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
