import type { MessageStore, StoredChange, StoredMessage } from './types.js';

/** Keeps messages in process memory: survives reconnects, not a process restart. The default store. */
export class MemoryStore implements MessageStore {
  #messages = new Map<number, StoredMessage>();
  #incoming = new Set<number>();

  get size(): number {
    return this.#messages.size;
  }

  async load(): Promise<StoredMessage[]> {
    return [...this.#messages.values()].sort((a, b) => a.key - b.key).map((m) => ({ ...m }));
  }

  async put(message: StoredMessage): Promise<void> {
    this.#messages.set(message.key, { ...message });
  }

  async update(key: number, change: StoredChange): Promise<void> {
    const message = this.#messages.get(key);
    if (!message) return;
    message.state = change.state;
    if (change.packetId === undefined) delete message.packetId;
    else message.packetId = change.packetId;
  }

  async delete(key: number): Promise<void> {
    this.#messages.delete(key);
  }

  async close(): Promise<void> {}

  async putIncoming(packetId: number): Promise<void> {
    this.#incoming.add(packetId);
  }

  async deleteIncoming(packetId: number): Promise<void> {
    this.#incoming.delete(packetId);
  }

  async clearIncoming(): Promise<void> {
    this.#incoming.clear();
  }

  async loadIncoming(): Promise<number[]> {
    return [...this.#incoming].sort((a, b) => a - b);
  }
}
