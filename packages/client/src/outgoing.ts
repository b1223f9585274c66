import {
  encodedLength,
  type Packet,
  type PublishPacket,
  type PublishProperties,
  type QoS,
  ReasonCode,
} from '@mq/codec';
import { Deque } from './deque.js';
import { ClientErrorCode, MqttClientError } from './errors.js';
import type { PacketIdAllocator } from './packet-id.js';
import { MemoryStore } from './store/memory.js';
import type { MessageStore, StoredMessage } from './store/types.js';
import type { OutgoingAliases } from './topic-alias.js';

/** How a publish ended: the acknowledging packet's reason code (0 for QoS 0 once written). */
export interface PublishResult {
  topic: string;
  qos: QoS;
  packetId: number | undefined;
  reasonCode: number;
  reasonString?: string;
  userProperties?: Array<[string, string]>;
}

interface Settle {
  resolve(result: PublishResult): void;
  reject(error: MqttClientError): void;
}

/** One accepted outgoing message. QoS 0 ones are never stored; `message.key` is 0 for them. */
interface Outgoing {
  message: StoredMessage | (Omit<StoredMessage, 'qos'> & { qos: 0 });
  settle: Settle | undefined;
}

/** What the outgoing side needs from the current connection. */
export interface OutgoingLink {
  protocolVersion: 3 | 4 | 5;
  send(packet: Packet): void;
  /** The v5 server's Receive Maximum, bounded by the client's maxInflight. */
  window: number;
  /** The server's Maximum Packet Size (v5), Infinity when unknown. */
  maximumPacketSize: number;
  aliases: OutgoingAliases | undefined;
  /** The v5 server's Maximum QoS (2 when not sent). */
  maximumQoS: QoS;
  /** The v5 server's Retain Available (true when not sent). */
  retainAvailable: boolean;
}

export interface OutgoingEvents {
  /** A stored message finished (also those restored from a store, which have no promise). */
  onPublished(result: PublishResult): void;
  onError(error: MqttClientError): void;
}

/**
 * Outgoing QoS 0/1/2 flows of the session. `#queue` holds accepted messages not yet sent;
 * `#inflight` holds sent QoS 1/2 messages awaiting their acknowledgement, by packet id.
 * Each state change is written to the store so a restarted process resumes where it stopped.
 */
export class OutgoingFlows {
  #queue = new Deque<Outgoing>();
  #inflight = new Map<number, Outgoing>();
  #store: MessageStore;
  #ids: PacketIdAllocator;
  #events: OutgoingEvents;
  #link: OutgoingLink | undefined;
  #lastKey = 0;
  #idleWaiters: Array<() => void> = [];
  /** In-flight messages of a resumed session not yet resent on this connection. */
  #resend: Outgoing[] = [];
  /** Puts awaiting the store. */
  #accepting = 0;
  /** Set once the client closed: late accepts settle with it at once. */
  #closedWith: MqttClientError | undefined;
  /** False for MemoryStore: what dies with the process need not be written before a packet leaves. */
  readonly #storeOutlivesProcess: boolean;
  /** Packets waiting in #send for the store, and the promise the next one must wait for. */
  #waitingForStore = 0;
  #sendChain: Promise<void> = Promise.resolve();
  /** Peak number of QoS 1/2 publishes in flight on one connection (for tests and metrics). */
  peakInflight = 0;

  constructor(store: MessageStore, ids: PacketIdAllocator, events: OutgoingEvents) {
    this.#store = store;
    this.#ids = ids;
    this.#events = events;
    this.#storeOutlivesProcess = !(store instanceof MemoryStore);
  }

  /** Accepted or being accepted, not sent yet. */
  get queued(): number {
    return this.#queue.length + this.#accepting;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** Loads what a previous run left in the store: sent ones become in-flight, the rest queued. */
  async restore(): Promise<void> {
    for (const message of await this.#store.load()) {
      this.#lastKey = Math.max(this.#lastKey, message.key);
      const entry: Outgoing = { message, settle: undefined };
      if (message.state !== 'queued' && message.packetId !== undefined && !this.#ids.has(message.packetId)) {
        this.#ids.claim(message.packetId);
        this.#inflight.set(message.packetId, entry);
      } else {
        message.state = 'queued';
        delete message.packetId;
        this.#queue.push(entry);
      }
    }
  }

  /** Stores the message (QoS 1/2) and queues it; resolves once it is accepted. */
  async accept(
    topic: string,
    payload: Uint8Array,
    qos: QoS,
    retain: boolean,
    properties: PublishProperties | undefined,
    settle: Settle,
  ): Promise<void> {
    this.#checkSize(topic, payload, qos, properties);
    if (qos === 0) {
      const message = {
        key: 0,
        topic,
        payload,
        qos,
        retain,
        state: 'queued' as const,
        ...(properties ? { properties } : {}),
      };
      this.#queue.push({ message, settle });
      this.drain();
      return;
    }
    const message: StoredMessage = { key: ++this.#lastKey, topic, payload, qos, retain, state: 'queued' };
    if (properties) message.properties = properties;
    this.#accepting += 1;
    try {
      await this.#store.put(message);
    } catch (cause) {
      this.#accepting -= 1;
      this.#checkIdle();
      throw cause instanceof MqttClientError
        ? cause
        : new MqttClientError(ClientErrorCode.StoreError, 'the message store refused the message', { cause });
    }
    this.#accepting -= 1;
    if (this.#closedWith) {
      // Stored, so a later run sends it; this run's promise ends with the close.
      settle.reject(this.#closedWith);
      this.#checkIdle();
      return;
    }
    this.#queue.push({ message, settle });
    this.drain();
  }

  /**
   * A connection is up. With the session present, in-flight messages are resent as they were
   * (PUBLISH with DUP, or PUBREL) [MQTT-4.4.0-1]; without it they go back to the queue front.
   */
  connected(link: OutgoingLink, sessionPresent: boolean): void {
    this.#link = link;
    this.peakInflight = 0;
    const flights = [...this.#inflight.values()].sort((a, b) => a.message.key - b.message.key);
    if (sessionPresent) {
      // Resent in order as the server's (possibly lower) Receive Maximum allows; see drain().
      this.#resend = flights;
    } else {
      // Without the session the server may have dropped even a QoS 2 message it had answered with
      // PUBREC (a server that delivers on PUBREL loses it with the session), so every in-flight message
      // goes out again as a new one: at least once, where exactly once can no longer be known.
      this.#inflight.clear();
      const requeue: Outgoing[] = [];
      for (const flight of flights) {
        const message = flight.message as StoredMessage;
        if (message.packetId !== undefined) this.#ids.release(message.packetId);
        message.state = 'queued';
        delete message.packetId;
        this.#persist(this.#store.update(message.key, { state: 'queued' }));
        requeue.push(flight);
      }
      this.#queue.unshiftAll(requeue);
    }
    this.drain();
  }

  disconnected(): void {
    this.#link = undefined;
    this.#resend = [];
  }

  /** Sends queued messages while the connection and the in-flight window allow. */
  drain(): void {
    const link = this.#link;
    // In-flight messages of a resumed session go first, with their ids; they count against the window.
    while (link && this.#link === link && this.#resend.length > 0) {
      if (this.#inflight.size - this.#resend.length >= link.window) break;
      const flight = this.#resend.shift() as Outgoing;
      const message = flight.message as StoredMessage;
      if (this.#inflight.get(message.packetId as number) !== flight) continue;
      if (message.state === 'released')
        this.#send(link, { type: 'pubrel', packetId: message.packetId as number });
      else this.#send(link, this.#publishPacket(message, true));
      this.peakInflight = Math.max(this.peakInflight, this.#inflight.size - this.#resend.length);
    }
    if (this.#resend.length > 0) return;
    while (link && this.#link === link && this.#queue.length > 0) {
      const next = this.#queue.peek() as Outgoing;
      const { message } = next;
      if (message.qos === 0) {
        this.#queue.shift();
        const packet = this.#publishPacket(message, false);
        if (this.#refused(link, next, packet)) continue;
        this.#send(link, packet);
        next.settle?.resolve({ topic: message.topic, qos: 0, packetId: undefined, reasonCode: 0 });
        continue;
      }
      if (this.#inflight.size >= link.window || this.#ids.size >= 65535) break;
      this.#queue.shift();
      const packetId = this.#ids.allocate();
      message.packetId = packetId;
      const packet = this.#publishPacket(message as StoredMessage, false);
      if (this.#refused(link, next, packet)) {
        this.#ids.release(packetId);
        this.#persist(this.#store.delete(message.key));
        continue;
      }
      message.state = 'sent';
      this.#inflight.set(packetId, next);
      this.peakInflight = Math.max(this.peakInflight, this.#inflight.size);
      this.#send(link, packet, this.#store.update(message.key, { state: 'sent', packetId }));
    }
    this.#checkIdle();
  }

  onPuback(
    packetId: number,
    reasonCode: number,
    reasonString?: string,
    userProperties?: Array<[string, string]>,
  ): void {
    const flight = this.#inflight.get(packetId);
    if (flight?.message.qos !== 1) return;
    this.#complete(flight, { reasonCode, reasonString, userProperties });
  }

  onPubrec(
    packetId: number,
    reasonCode: number,
    reasonString?: string,
    userProperties?: Array<[string, string]>,
  ): void {
    const flight = this.#inflight.get(packetId);
    if (flight?.message.qos !== 2) {
      // Answer a PUBREC we have no flow for, so the server can drop its state.
      this.#link?.send(
        this.#link.protocolVersion === 5
          ? { type: 'pubrel', packetId, reasonCode: ReasonCode.PacketIdentifierNotFound }
          : { type: 'pubrel', packetId },
      );
      return;
    }
    if (reasonCode >= 0x80) {
      this.#complete(flight, { reasonCode, reasonString, userProperties });
      return;
    }
    const message = flight.message as StoredMessage;
    let recorded: Promise<void> | undefined;
    if (message.state !== 'released') {
      message.state = 'released';
      recorded = this.#store.update(message.key, { state: 'released', packetId });
    }
    if (this.#link) this.#send(this.#link, { type: 'pubrel', packetId }, recorded);
    else if (recorded) this.#persist(recorded);
  }

  onPubcomp(
    packetId: number,
    reasonCode: number,
    reasonString?: string,
    userProperties?: Array<[string, string]>,
  ): void {
    const flight = this.#inflight.get(packetId);
    if (flight?.message.state !== 'released') return;
    // The server owned the message since its successful PUBREC. 0x92 means it already finished the
    // flow (its first PUBCOMP was lost with the connection): the message is delivered, not failed.
    const code = reasonCode === ReasonCode.PacketIdentifierNotFound ? ReasonCode.Success : reasonCode;
    this.#complete(flight, { reasonCode: code, reasonString, userProperties });
  }

  /** Rejects every pending promise (the messages stay in the store for a later run). */
  failAll(error: MqttClientError): void {
    this.#closedWith = error;
    for (const entry of [...this.#queue.toArray(), ...this.#inflight.values()]) {
      const settle = entry.settle;
      entry.settle = undefined;
      settle?.reject(error);
    }
    this.#queue.retain((entry) => entry.message.qos !== 0);
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.queued === 0 && this.#inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #complete(
    flight: Outgoing,
    ack: {
      reasonCode: number;
      reasonString: string | undefined;
      userProperties: Array<[string, string]> | undefined;
    },
  ): void {
    const message = flight.message as StoredMessage;
    this.#inflight.delete(message.packetId as number);
    this.#ids.release(message.packetId as number);
    this.#persist(this.#store.delete(message.key));
    this.#finish(flight, ack);
    this.drain();
  }

  #finish(
    flight: Outgoing,
    ack: {
      reasonCode: number;
      reasonString?: string | undefined;
      userProperties?: Array<[string, string]> | undefined;
    },
  ): void {
    const { message } = flight;
    const result: PublishResult = {
      topic: message.topic,
      qos: message.qos,
      packetId: message.packetId,
      reasonCode: ack.reasonCode,
    };
    if (ack.reasonString !== undefined) result.reasonString = ack.reasonString;
    if (ack.userProperties !== undefined) result.userProperties = ack.userProperties;
    const settle = flight.settle;
    flight.settle = undefined;
    if (ack.reasonCode >= 0x80) {
      settle?.reject(
        new MqttClientError(
          ClientErrorCode.PublishFailed,
          `server rejected the publish to ${message.topic} with reason 0x${ack.reasonCode.toString(16)}${ack.reasonString ? ` (${ack.reasonString})` : ''}`,
          { reasonCode: ack.reasonCode, reasonString: ack.reasonString },
        ),
      );
    } else {
      settle?.resolve(result);
    }
    this.#events.onPublished(result);
  }

  #publishPacket(message: Outgoing['message'], dup: boolean): PublishPacket {
    const packet: PublishPacket = {
      type: 'publish',
      topic: message.topic,
      payload: message.payload,
      qos: message.qos,
      retain: message.retain,
      dup,
    };
    if (message.qos > 0) packet.packetId = message.packetId as number;
    const link = this.#link;
    if (link?.protocolVersion === 5) {
      const properties: PublishProperties = { ...message.properties };
      const alias = link.aliases?.lookup(message.topic);
      if (alias) {
        properties.topicAlias = alias.alias;
        if (!alias.sendTopic) packet.topic = '';
      }
      if (Object.keys(properties).length > 0) packet.properties = properties;
    }
    return packet;
  }

  /**
   * A message accepted while offline can still be beyond what this server allows: too large
   * [MQTT-3.2.2-15], above its Maximum QoS [MQTT-3.2.2-11] or retained when it has no retain
   * [MQTT-3.2.2-14]. Such a message fails instead of being sent.
   */
  #refused(link: OutgoingLink, entry: Outgoing, packet: PublishPacket): boolean {
    let error: MqttClientError | undefined;
    if (packet.qos > link.maximumQoS) {
      error = new MqttClientError(
        ClientErrorCode.PublishFailed,
        `the server supports QoS up to ${link.maximumQoS}, not ${packet.qos}`,
        { reasonCode: ReasonCode.QoSNotSupported },
      );
    } else if (packet.retain && !link.retainAvailable) {
      error = new MqttClientError(
        ClientErrorCode.PublishFailed,
        'the server does not support retained messages',
        {
          reasonCode: ReasonCode.RetainNotSupported,
        },
      );
    } else if (Number.isFinite(link.maximumPacketSize)) {
      const size = encodedLength(packet, link.protocolVersion);
      if (size > link.maximumPacketSize) {
        error = new MqttClientError(
          ClientErrorCode.PacketTooLarge,
          `a ${size}-byte PUBLISH exceeds the server's Maximum Packet Size of ${link.maximumPacketSize} bytes`,
          { reasonCode: ReasonCode.PacketTooLarge },
        );
      }
    }
    if (!error) return false;
    const settle = entry.settle;
    entry.settle = undefined;
    if (settle) settle.reject(error);
    else this.#events.onError(error);
    return true;
  }

  #checkSize(topic: string, payload: Uint8Array, qos: QoS, properties: PublishProperties | undefined): void {
    const limit = this.#link?.maximumPacketSize ?? Number.POSITIVE_INFINITY;
    if (!Number.isFinite(limit)) return;
    const packet: PublishPacket = { type: 'publish', topic, payload, qos, retain: false, dup: false };
    if (qos > 0) packet.packetId = 1;
    if (properties) packet.properties = properties;
    const size = encodedLength(packet, this.#link?.protocolVersion ?? 5);
    if (size > limit) {
      throw new MqttClientError(
        ClientErrorCode.PacketTooLarge,
        `a ${size}-byte PUBLISH exceeds the server's Maximum Packet Size of ${limit} bytes`,
        { reasonCode: ReasonCode.PacketTooLarge },
      );
    }
  }

  #checkIdle(): void {
    if (this.queued > 0 || this.#inflight.size > 0) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }

  /**
   * Sends `packet` once `recorded` (the store write of the state the packet reflects) is done, and after
   * every packet queued here before it, so order holds. A process killed in between then never leaves
   * the server holding a packet id or a PUBREL that the store does not know. Restarted, the client would
   * otherwise resend such a message as new (a duplicate) and could give its id to the next message, which
   * a QoS 2 server still waiting for PUBREL takes for a resend and drops. With MemoryStore, which dies
   * with the process anyway, packets go out at once.
   */
  #send(link: OutgoingLink, packet: Packet, recorded?: Promise<void>): void {
    if (!this.#storeOutlivesProcess || (recorded === undefined && this.#waitingForStore === 0)) {
      if (recorded) this.#persist(recorded);
      link.send(packet);
      return;
    }
    this.#waitingForStore += 1;
    // A store that failed was reported; the packet still goes, as an incoming PUBREC does (incoming.ts).
    const written = recorded?.catch((cause: unknown) => this.#storeFailed(cause));
    this.#sendChain = Promise.all([this.#sendChain, written]).then(() => {
      this.#waitingForStore -= 1;
      // Gone with its connection: in flight, it is resent on the next one (or queued again).
      if (this.#link !== link) return;
      try {
        link.send(packet);
      } catch (cause) {
        // The chain must go on for the packets behind this one; the connection reports its own failure.
        this.#events.onError(
          new MqttClientError(ClientErrorCode.ConnectionLost, 'could not write to the connection', { cause }),
        );
      }
    });
  }

  #storeFailed(cause: unknown): void {
    this.#events.onError(
      new MqttClientError(ClientErrorCode.StoreError, 'the message store failed to record a state change', {
        cause,
      }),
    );
  }

  #persist(operation: Promise<void>): void {
    operation.catch((cause: unknown) => this.#storeFailed(cause));
  }
}
