/**
 * Outbound topic aliases for one connection. A topic gets an alias the second time it is sent (a topic
 * sent once is not worth a slot); when all slots are taken the least recently used alias is reassigned.
 */
export class OutboundAliases {
  readonly #max: number;
  /** topic -> alias, in least-recently-used-first order. */
  readonly #byTopic = new Map<string, number>();
  /** Topics seen once, bounded so that a stream of distinct topics cannot grow it. */
  readonly #seen = new Set<string>();
  readonly #free: number[] = [];
  #next = 1;

  constructor(max: number) {
    this.#max = max;
  }

  /**
   * The alias to send with `topic`, and whether the topic name must be sent too (first use of the
   * alias) or may be left empty.
   */
  resolve(topic: string): { alias: number; sendTopic: boolean } | undefined {
    if (this.#max === 0) return undefined;
    const existing = this.#byTopic.get(topic);
    if (existing !== undefined) {
      this.#byTopic.delete(topic);
      this.#byTopic.set(topic, existing);
      return { alias: existing, sendTopic: false };
    }
    if (!this.#seen.has(topic)) {
      if (this.#seen.size >= this.#max * 4) this.#seen.clear();
      this.#seen.add(topic);
      return undefined;
    }
    this.#seen.delete(topic);
    let alias: number;
    const free = this.#free.pop();
    if (free !== undefined) {
      alias = free;
    } else if (this.#next <= this.#max) {
      alias = this.#next++;
    } else {
      const [lruTopic, lruAlias] = this.#byTopic.entries().next().value as [string, number];
      this.#byTopic.delete(lruTopic);
      alias = lruAlias;
    }
    this.#byTopic.set(topic, alias);
    return { alias, sendTopic: true };
  }

  /** Undoes a new alias whose PUBLISH was not sent after all (the client never learnt it). */
  forget(topic: string): void {
    const alias = this.#byTopic.get(topic);
    if (alias === undefined) return;
    this.#byTopic.delete(topic);
    this.#free.push(alias);
  }
}

/** Inbound topic aliases a client set on this connection [MQTT-3.3.2-10] (never shared across connections). */
export class InboundAliases {
  readonly #max: number;
  /** Created on first use: most clients never set an alias. */
  #topics: Map<number, string> | undefined;

  constructor(max: number) {
    this.#max = max;
  }

  get maximum(): number {
    return this.#max;
  }

  isValid(alias: number): boolean {
    return alias >= 1 && alias <= this.#max;
  }

  set(alias: number, topic: string): void {
    this.#topics ??= new Map();
    this.#topics.set(alias, topic);
  }

  get(alias: number): string | undefined {
    return this.#topics?.get(alias);
  }
}
