import type { ProtocolVersion, QoS } from '@mq/codec';
import type { Delivery, Message } from '../message.js';

/** A subscription as the session keeps it (the full filter, `$share/...` included). */
export interface StoredSubscription {
  topicFilter: string;
  qos: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
  subscriptionId?: number;
  /**
   * Granted wider than the client's read permission: each matching message is checked with the
   * authorizeDelivery hook for this username before delivery.
   */
  readCheck?: { username?: string };
}

export interface StoredSession {
  clientId: string;
  protocolVersion: ProtocolVersion;
  /** Seconds the session outlives its connection; 0xFFFFFFFF never expires. */
  expiryInterval: number;
  /** Epoch ms of the last disconnect; absent while connected. */
  disconnectedAt?: number;
  /**
   * Who opened the session: `{}` for a client without a user name. Where subscriptions are authorized per
   * user, only the same user resumes it. Absent in sessions stored before it was kept (then anyone may).
   */
  owner?: { username?: string };
  subscriptions: StoredSubscription[];
}

/**
 * An outbound QoS 1/2 message of a session: 'queued' (not yet sent), 'publish' (sent, awaiting
 * PUBACK/PUBREC) or 'pubrel' (PUBREC received, awaiting PUBCOMP). `seq` orders them.
 */
export interface StoredOutgoing {
  seq: number;
  state: 'queued' | 'publish' | 'pubrel';
  packetId?: number;
  delivery: Delivery;
}

export interface StoredWill {
  clientId: string;
  message: Message;
  /** Epoch ms at which it is due (connection loss + Will Delay Interval). */
  publishAt: number;
  /** Message Expiry Interval in seconds, counted from the moment the will is published. */
  expirySeconds?: number;
}

/**
 * Storage seam for everything that outlives a connection. The broker keeps live state in memory and
 * writes through; on start it restores from here. Operations on one key apply in call order, so an
 * implementation may queue writes but must not reorder them. Every implementation runs the contract
 * in `persistence/contract.ts`.
 */
export interface Persistence {
  saveSession(session: StoredSession): Promise<void>;
  getSession(clientId: string): Promise<StoredSession | undefined>;
  /** Removes the session with its subscriptions, outgoing messages and incoming QoS 2 ids. */
  deleteSession(clientId: string): Promise<void>;
  listSessions(): Promise<StoredSession[]>;
  /** Adds or replaces (same topicFilter) a subscription of a stored session. */
  addSubscription(clientId: string, subscription: StoredSubscription): Promise<void>;
  removeSubscription(clientId: string, topicFilter: string): Promise<void>;

  /** Adds or replaces (same seq) an outgoing message. */
  putOutgoing(clientId: string, entry: StoredOutgoing): Promise<void>;
  removeOutgoing(clientId: string, seq: number): Promise<void>;
  /** Outgoing messages in seq order. */
  listOutgoing(clientId: string): Promise<StoredOutgoing[]>;

  /** Packet ids of QoS 2 messages received and PUBREC'd but not yet released. */
  addIncomingQos2(clientId: string, packetId: number): Promise<void>;
  removeIncomingQos2(clientId: string, packetId: number): Promise<void>;
  listIncomingQos2(clientId: string): Promise<number[]>;

  /** Stores a retained message, replacing the topic's previous one; an empty payload deletes it. */
  putRetained(message: Message): Promise<void>;
  /** Retained messages whose topic matches the filter (wildcards, `$` rule included). */
  matchRetained(topicFilter: string): Promise<Message[]>;
  countRetained(): Promise<number>;

  putWill(will: StoredWill): Promise<void>;
  deleteWill(clientId: string): Promise<void>;
  listWills(): Promise<StoredWill[]>;

  /**
   * For stores that write asynchronously (a network round trip): a promise that settles once every
   * write issued so far is stored, or undefined when none is pending. The broker holds back PUBACK and
   * PUBREC until then, so a message it acknowledged survives a broker crash. Stores whose writes are done
   * when the method returns (memory, SQLite) leave it out.
   */
  whenDurable?(): Promise<void> | undefined;

  /**
   * For stores whose writes are done when the method returns (SQLite): runs `writes` so that every store
   * call it makes commits together or not at all. The broker stores an incoming QoS 2 message's routed
   * copies together with its packet id this way, so a crash between them can neither duplicate nor lose
   * it. Stores without it write each call on its own.
   */
  atomically?<T>(writes: () => T): T;

  close(): Promise<void>;
}
