import type { ProtocolVersion } from '@mq/codec';
import { Fifo } from './fifo.js';
import { type Delivery, detachedCopy, isExpired } from './message.js';
import type { QueuePolicy } from './options.js';
import type { Persistence, StoredOutgoing, StoredSession, StoredSubscription } from './persistence/types.js';
import type { BrokerStats } from './stats.js';

/** Session Expiry Interval meaning "never expires". */
export const NEVER_EXPIRES = 0xffffffff;

/** What a session needs from the connection currently attached to it. */
export interface DeliveryTarget {
  /** False while the socket is backed up or the connection is going away. */
  canWrite(): boolean;
  /** How many QoS 1/2 messages may be in flight (client Receive Maximum and broker cap). */
  sendQuota(): number;
  /** Encodes and writes a PUBLISH; false if it was not sent (too large for the client). */
  sendPublish(delivery: Delivery, packetId: number | undefined, dup: boolean): boolean;
  sendPubrel(packetId: number): void;
}

/** What a session asks of the broker when its queue is full under queuePolicy 'backpressure'. */
export interface QueueFlow {
  /** Holds back the connection that published a message until this queue drains; false if it cannot be. */
  holdPublisher(origin: string | undefined, session: Session): boolean;
  /** The queue drained below its low-water mark, or the session went offline: release its publishers. */
  release(session: Session): void;
  /** The session's own client has QoS 1/2 messages to acknowledge, so it must not stay held. */
  needsToRead(session: Session): void;
}

export interface SessionDeps {
  persistence: Persistence;
  stats: BrokerStats;
  maxQueued: number;
  queuePolicy: QueuePolicy;
  flow: QueueFlow;
}

const EMPTY_INFLIGHT: ReadonlyMap<number, Outgoing> = new Map<number, Outgoing>();
const EMPTY_IDS: ReadonlySet<number> = new Set();

interface Outgoing {
  seq: number;
  state: 'publish' | 'pubrel';
  packetId: number;
  delivery: Delivery;
}

/**
 * The state that outlives a connection: subscriptions, outbound QoS 1/2 messages in flight (by packet
 * id) and queued (not yet sent, bounded), and inbound QoS 2 packet ids awaiting PUBREL. Persistent
 * sessions write every change through to the Persistence seam.
 */
export class Session {
  readonly clientId: string;
  protocolVersion: ProtocolVersion;
  /** Seconds; 0 ends the session with the connection, NEVER_EXPIRES keeps it forever. */
  expiryInterval: number;
  /** Created on first use (as are inflight and incomingQos2): an idle session holds no empty hash tables. */
  #subscriptions: Map<string, StoredSubscription> | undefined;
  #inflight: Map<number, Outgoing> | undefined;
  readonly queue = new Fifo<{ seq: number; delivery: Delivery }>();
  #incomingQos2: Set<number> | undefined;
  target: DeliveryTarget | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  disconnectedAt: number | undefined;
  /** Who opened the session (see StoredSession.owner); undefined if unknown. */
  owner: { username?: string } | undefined;
  #deps: SessionDeps;
  #seq = 0;
  #lastPacketId = 0;

  constructor(clientId: string, protocolVersion: ProtocolVersion, expiryInterval: number, deps: SessionDeps) {
    this.clientId = clientId;
    this.protocolVersion = protocolVersion;
    this.expiryInterval = expiryInterval;
    this.#deps = deps;
  }

  /** The session's subscriptions by topic filter (the full filter, `$share/...` included). */
  get subscriptions(): Map<string, StoredSubscription> {
    this.#subscriptions ??= new Map();
    return this.#subscriptions;
  }

  /** Outbound QoS 1/2 messages sent and not yet acknowledged, by packet id (read-only view). */
  get inflight(): ReadonlyMap<number, Outgoing> {
    return this.#inflight ?? EMPTY_INFLIGHT;
  }

  get inflightCount(): number {
    return this.#inflight === undefined ? 0 : this.#inflight.size;
  }

  /** Inbound QoS 2 packet ids received and awaiting PUBREL (read-only view). */
  get incomingQos2(): ReadonlySet<number> {
    return this.#incomingQos2 ?? EMPTY_IDS;
  }

  /** Whether anything is written through to persistence (a session that ends with its connection is not). */
  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  toStored(): StoredSession {
    const stored: StoredSession = {
      clientId: this.clientId,
      protocolVersion: this.protocolVersion,
      expiryInterval: this.expiryInterval,
      subscriptions: [...this.subscriptions.values()],
    };
    if (this.disconnectedAt !== undefined) stored.disconnectedAt = this.disconnectedAt;
    if (this.owner !== undefined) stored.owner = this.owner;
    return stored;
  }

  save(): void {
    if (this.persistent) void this.#deps.persistence.saveSession(this.toStored());
  }

  /**
   * A new Session Expiry Interval (a resumed session's CONNECT, a v5 DISCONNECT). The store follows
   * whether the session now outlives its connection: one that no longer does is deleted from it (else a
   * restart would bring it back, with messages since acknowledged), one that now does is written whole
   * (else a restart would find its subscriptions without the messages it owes).
   */
  setExpiryInterval(seconds: number): void {
    const wasPersistent = this.persistent;
    this.expiryInterval = seconds;
    if (wasPersistent && !this.persistent) {
      void this.#deps.persistence.deleteSession(this.clientId);
    } else if (!wasPersistent && this.persistent) {
      this.save();
      for (const { seq, delivery } of this.queue) {
        void this.#deps.persistence.putOutgoing(this.clientId, { seq, state: 'queued', delivery });
      }
      for (const entry of this.inflight.values()) this.#persist(entry);
      for (const packetId of this.incomingQos2) {
        void this.#deps.persistence.addIncomingQos2(this.clientId, packetId);
      }
    }
  }

  /** Returns whether the subscription is new (for Retain Handling 1). */
  addSubscription(sub: StoredSubscription): boolean {
    const existed = this.subscriptions.has(sub.topicFilter);
    this.subscriptions.set(sub.topicFilter, sub);
    if (this.persistent) void this.#deps.persistence.addSubscription(this.clientId, sub);
    return !existed;
  }

  removeSubscription(topicFilter: string): boolean {
    const existed = this.subscriptions.delete(topicFilter);
    if (existed && this.persistent)
      void this.#deps.persistence.removeSubscription(this.clientId, topicFilter);
    return existed;
  }

  /**
   * Hands one message to this session: sent now if possible, else queued (QoS 1/2). QoS 0 to a backed-up
   * socket is sent anyway when its publisher can be held back instead (queuePolicy 'backpressure'; it
   * reads again once this socket drains), else dropped.
   */
  deliver(delivery: Delivery): void {
    const target = this.target;
    if (delivery.qos === 0) {
      if (target !== undefined && (target.canWrite() || this.#holdForQos0(delivery))) {
        target.sendPublish(delivery, undefined, false);
      } else this.#deps.stats.qos0Dropped++;
      return;
    }
    if (target !== undefined) this.#deps.flow.needsToRead(this);
    // Earlier queued messages go first, so per-topic order is kept [MQTT-4.6.0-5].
    if (target && this.queue.length === 0 && this.inflightCount < target.sendQuota() && target.canWrite()) {
      this.#sendNew(delivery, this.#seq++);
      return;
    }
    this.#enqueue(delivery);
  }

  /** Sends queued messages while the client's quota and socket allow. */
  drain(): void {
    const target = this.target;
    if (!target || this.queue.length === 0) {
      if (target) this.#deps.flow.release(this);
      return;
    }
    const now = Date.now();
    while (this.queue.length > 0 && this.inflightCount < target.sendQuota() && target.canWrite()) {
      const next = this.queue.shift()!;
      if (isExpired(next.delivery.message, now)) {
        this.#deps.stats.expiredDropped++;
        this.#unpersist(next.seq);
        continue;
      }
      this.#sendNew(next.delivery, next.seq);
    }
    if (this.queue.length <= this.#deps.maxQueued >> 1) this.#deps.flow.release(this);
  }

  /** After (re)attaching a connection: resend unacknowledged messages with DUP [MQTT-4.4.0-1], then drain. */
  resume(target: DeliveryTarget): void {
    this.target = target;
    // A fresh session has nothing in flight: no array and sort per connect.
    if (this.#inflight !== undefined && this.#inflight.size > 0) {
      const pending = [...this.#inflight.values()].sort((a, b) => a.seq - b.seq);
      for (const entry of pending) {
        if (entry.state === 'pubrel') target.sendPubrel(entry.packetId);
        else if (!target.sendPublish(entry.delivery, entry.packetId, true)) this.#complete(entry);
      }
    }
    this.drain();
  }

  /** PUBACK for QoS 1, or PUBCOMP for QoS 2: the message is done. Unknown ids are ignored. */
  acknowledge(packetId: number, kind: 'puback' | 'pubcomp'): boolean {
    const entry = this.#inflight?.get(packetId);
    if (!entry) return false;
    const expected = kind === 'puback' ? entry.delivery.qos === 1 : entry.state === 'pubrel';
    if (!expected) return false;
    this.#complete(entry);
    this.drain();
    return true;
  }

  /** PUBREC: move to the PUBREL step; false if the id is unknown. A failure reason code ends the flow. */
  received(packetId: number, failed: boolean): boolean {
    const entry = this.#inflight?.get(packetId);
    if (entry?.delivery.qos !== 2) return false;
    if (failed) {
      this.#complete(entry);
      this.drain();
      return true;
    }
    entry.state = 'pubrel';
    this.#persist(entry);
    return true;
  }

  addIncomingQos2(packetId: number): void {
    this.#qos2Ids().add(packetId);
    if (this.persistent) void this.#deps.persistence.addIncomingQos2(this.clientId, packetId);
  }

  removeIncomingQos2(packetId: number): boolean {
    const had = this.#incomingQos2?.delete(packetId) ?? false;
    if (had && this.persistent) void this.#deps.persistence.removeIncomingQos2(this.clientId, packetId);
    return had;
  }

  /** Restores outbound state read back from persistence at startup. */
  restore(outgoing: StoredOutgoing[], incomingQos2: number[]): void {
    for (const entry of outgoing) {
      this.#seq = Math.max(this.#seq, entry.seq + 1);
      if (entry.state === 'queued' || entry.packetId === undefined) {
        this.queue.push({ seq: entry.seq, delivery: entry.delivery });
      } else {
        this.#inflightMap().set(entry.packetId, {
          seq: entry.seq,
          state: entry.state,
          packetId: entry.packetId,
          delivery: entry.delivery,
        });
      }
    }
    for (const id of incomingQos2) this.#qos2Ids().add(id);
  }

  /** Forget all messages (session discarded or not persistent and disconnected). */
  clearMessages(): void {
    this.#inflight = undefined;
    this.queue.clear();
    this.#incomingQos2 = undefined;
  }

  #inflightMap(): Map<number, Outgoing> {
    if (this.#inflight === undefined) this.#inflight = new Map();
    return this.#inflight;
  }

  #qos2Ids(): Set<number> {
    if (this.#incomingQos2 === undefined) this.#incomingQos2 = new Set();
    return this.#incomingQos2;
  }

  #sendNew(delivery: Delivery, seq: number): void {
    const entry: Outgoing = { seq, state: 'publish', packetId: this.#nextPacketId(), delivery };
    this.#inflightMap().set(entry.packetId, entry);
    if (this.target?.sendPublish(delivery, entry.packetId, false)) {
      this.#persist(entry);
    } else {
      // Too large for this client: dropped as if delivered [MQTT-3.1.2-25].
      this.#inflight?.delete(entry.packetId);
      this.#unpersist(seq);
    }
  }

  #enqueue(delivery: Delivery): void {
    if (this.queue.length >= this.#deps.maxQueued && !this.#admitOverLimit(delivery)) {
      this.#deps.stats.queueDropped++;
      // With no room at all (maxQueuedMessages 0) both policies drop the newcomer.
      if (this.#deps.queuePolicy === 'drop-new' || this.#deps.maxQueued === 0) return;
      const oldest = this.queue.shift();
      if (oldest) this.#unpersist(oldest.seq);
    }
    // Kept for an absent client, possibly for long: never as a view pinning a socket chunk or encoder slab.
    if (this.target === undefined) delivery = { ...delivery, message: detachedCopy(delivery.message) };
    const seq = this.#seq++;
    this.queue.push({ seq, delivery });
    if (this.persistent) {
      void this.#deps.persistence.putOutgoing(this.clientId, { seq, state: 'queued', delivery });
    }
  }

  /**
   * Backpressure for an online session: the publisher is held back and the message queued beyond the
   * limit (what it had already sent: at most a read chunk). A publisher that cannot be held (broker
   * messages, other cluster nodes, a client that must read acks of its own) may overfill the queue up to
   * twice its limit; beyond that the oldest message is dropped.
   */
  #admitOverLimit(delivery: Delivery): boolean {
    const max = this.#deps.maxQueued;
    if (this.#deps.queuePolicy !== 'backpressure' || max === 0 || this.target === undefined) return false;
    if (this.#deps.flow.holdPublisher(delivery.message.origin, this)) return true;
    return this.queue.length < 2 * max;
  }

  /** Over the socket's high-water mark by what the publisher already sent (at most a read chunk) at most. */
  #holdForQos0(delivery: Delivery): boolean {
    return (
      this.#deps.queuePolicy === 'backpressure' &&
      this.#deps.flow.holdPublisher(delivery.message.origin, this)
    );
  }

  #complete(entry: Outgoing): void {
    this.#inflight?.delete(entry.packetId);
    this.#unpersist(entry.seq);
  }

  #persist(entry: Outgoing): void {
    if (!this.persistent) return;
    void this.#deps.persistence.putOutgoing(this.clientId, {
      seq: entry.seq,
      state: entry.state,
      packetId: entry.packetId,
      delivery: entry.delivery,
    });
  }

  #unpersist(seq: number): void {
    if (this.persistent) void this.#deps.persistence.removeOutgoing(this.clientId, seq);
  }

  /** Next packet id not in flight; ids are 1..65535 [MQTT-2.3.1-1]. */
  #nextPacketId(): number {
    for (let i = 0; i < 65535; i++) {
      this.#lastPacketId = this.#lastPacketId >= 65535 ? 1 : this.#lastPacketId + 1;
      if (!this.#inflight?.has(this.#lastPacketId)) return this.#lastPacketId;
    }
    throw new RangeError('no free packet identifier');
  }
}
