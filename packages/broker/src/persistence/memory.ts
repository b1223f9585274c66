import { RetainedIndex } from '@mq/topic-trie';
import type { Message } from '../message.js';
import type { Persistence, StoredOutgoing, StoredSession, StoredSubscription, StoredWill } from './types.js';

interface SessionRecord {
  session: StoredSession;
  subscriptions: Map<string, StoredSubscription>;
  outgoing: Map<number, StoredOutgoing>;
  incomingQos2: Set<number>;
}

/**
 * In-process persistence: nothing survives the process, but the broker restores from it exactly as it
 * would from a durable store. Messages are kept by reference; callers do not mutate what they pass in.
 */
export class MemoryPersistence implements Persistence {
  #sessions = new Map<string, SessionRecord>();
  #retained = new RetainedIndex<Message>();
  #wills = new Map<string, StoredWill>();

  async saveSession(session: StoredSession): Promise<void> {
    const existing = this.#sessions.get(session.clientId);
    const subscriptions = new Map(session.subscriptions.map((s) => [s.topicFilter, { ...s }]));
    this.#sessions.set(session.clientId, {
      session: { ...session, subscriptions: [] },
      subscriptions,
      outgoing: existing?.outgoing ?? new Map(),
      incomingQos2: existing?.incomingQos2 ?? new Set(),
    });
  }

  async getSession(clientId: string): Promise<StoredSession | undefined> {
    const record = this.#sessions.get(clientId);
    return record && snapshot(record);
  }

  async deleteSession(clientId: string): Promise<void> {
    this.#sessions.delete(clientId);
  }

  async listSessions(): Promise<StoredSession[]> {
    return [...this.#sessions.values()].map(snapshot);
  }

  async addSubscription(clientId: string, subscription: StoredSubscription): Promise<void> {
    this.#sessions.get(clientId)?.subscriptions.set(subscription.topicFilter, { ...subscription });
  }

  async removeSubscription(clientId: string, topicFilter: string): Promise<void> {
    this.#sessions.get(clientId)?.subscriptions.delete(topicFilter);
  }

  async putOutgoing(clientId: string, entry: StoredOutgoing): Promise<void> {
    this.#sessions.get(clientId)?.outgoing.set(entry.seq, { ...entry });
  }

  async removeOutgoing(clientId: string, seq: number): Promise<void> {
    this.#sessions.get(clientId)?.outgoing.delete(seq);
  }

  async listOutgoing(clientId: string): Promise<StoredOutgoing[]> {
    const record = this.#sessions.get(clientId);
    if (!record) return [];
    return [...record.outgoing.values()].sort((a, b) => a.seq - b.seq).map((e) => ({ ...e }));
  }

  async addIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#sessions.get(clientId)?.incomingQos2.add(packetId);
  }

  async removeIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#sessions.get(clientId)?.incomingQos2.delete(packetId);
  }

  async listIncomingQos2(clientId: string): Promise<number[]> {
    return [...(this.#sessions.get(clientId)?.incomingQos2 ?? [])];
  }

  async putRetained(message: Message): Promise<void> {
    if (message.payload.length === 0) this.#retained.delete(message.topic);
    else this.#retained.set(message.topic, message);
  }

  async matchRetained(topicFilter: string): Promise<Message[]> {
    const out: Message[] = [];
    this.#retained.match(topicFilter, (_topic, message) => out.push(message));
    return out;
  }

  async countRetained(): Promise<number> {
    return this.#retained.size;
  }

  async putWill(will: StoredWill): Promise<void> {
    this.#wills.set(will.clientId, will);
  }

  async deleteWill(clientId: string): Promise<void> {
    this.#wills.delete(clientId);
  }

  async listWills(): Promise<StoredWill[]> {
    return [...this.#wills.values()];
  }

  async close(): Promise<void> {}
}

function snapshot(record: SessionRecord): StoredSession {
  return { ...record.session, subscriptions: [...record.subscriptions.values()].map((s) => ({ ...s })) };
}
