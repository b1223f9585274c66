/**
 * Outgoing topic aliases for one connection (MQTT 5): up to the server's Topic Alias Maximum,
 * the least recently used topic gives up its alias when a new topic needs one.
 */
export class OutgoingAliases {
  #max: number;
  #byTopic = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Returns the alias to use and whether the topic must still be sent (first use of this alias). */
  lookup(topic: string): { alias: number; sendTopic: boolean } | undefined {
    if (this.#max <= 0 || topic.length === 0) return undefined;
    const known = this.#byTopic.get(topic);
    if (known !== undefined) {
      // Re-insert to mark as most recently used.
      this.#byTopic.delete(topic);
      this.#byTopic.set(topic, known);
      return { alias: known, sendTopic: false };
    }
    let alias: number;
    if (this.#byTopic.size < this.#max) {
      alias = this.#byTopic.size + 1;
    } else {
      const [oldest, oldAlias] = this.#byTopic.entries().next().value as [string, number];
      this.#byTopic.delete(oldest);
      alias = oldAlias;
    }
    this.#byTopic.set(topic, alias);
    return { alias, sendTopic: true };
  }
}

/** Incoming topic aliases for one connection: the server sets them, we resolve them. */
export class IncomingAliases {
  #max: number;
  #topics = new Map<number, string>();

  constructor(max: number) {
    this.#max = max;
  }

  /**
   * Resolves the topic of a received PUBLISH. Returns undefined when the alias is out of range
   * or unknown, which is a protocol error [MQTT-3.3.2-8] [MQTT-3.3.4-12].
   */
  resolve(topic: string, alias: number | undefined): string | undefined {
    if (alias === undefined) return topic;
    if (alias < 1 || alias > this.#max) return undefined;
    if (topic.length > 0) {
      this.#topics.set(alias, topic);
      return topic;
    }
    return this.#topics.get(alias);
  }
}
