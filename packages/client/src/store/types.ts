import type { PublishProperties } from '@mq/codec';

/**
 * Where an accepted outgoing QoS 1/2 message is in its flow:
 * - 'queued': accepted, not sent yet (offline, or the in-flight window is full);
 * - 'sent': PUBLISH sent with `packetId`, waiting for PUBACK (QoS 1) or PUBREC (QoS 2);
 * - 'released': QoS 2 only, PUBREC received and PUBREL sent, waiting for PUBCOMP.
 */
export type StoredState = 'queued' | 'sent' | 'released';

export interface StoredMessage {
  /** Accept order, assigned by the client; unique and increasing within one store. */
  key: number;
  topic: string;
  payload: Uint8Array;
  qos: 1 | 2;
  retain: boolean;
  properties?: PublishProperties;
  state: StoredState;
  /** Set once the message has been sent; kept so a resumed session resends with the same id. */
  packetId?: number;
}

export interface StoredChange {
  state: StoredState;
  packetId?: number;
}

/**
 * Persistence for outgoing QoS 1/2 messages. The client calls `put` before it reports a message
 * as accepted, `update` as the flow advances and `delete` once it completes. Every implementation
 * passes the contract suite in test/store-contract.ts.
 */
export interface MessageStore {
  /** Everything not deleted, in key order. Called once before the first connection. */
  load(): Promise<StoredMessage[]>;
  /** Resolves only once the message would survive a crash of this process. */
  put(message: StoredMessage): Promise<void>;
  /**
   * Resolves once the change would survive a crash of this process: the client sends the packet that
   * reflects it (the PUBLISH with its packet id, the PUBREL) only then. MemoryStore is exempt.
   */
  update(key: number, change: StoredChange): Promise<void>;
  delete(key: number): Promise<void>;
  /** Flushes and releases resources; the store is not used afterwards. */
  close(): Promise<void>;
  /**
   * Optional: incoming QoS 2 packet ids from PUBREC until PUBREL. With these a restarted client
   * still recognises a redelivered QoS 2 message and does not hand it to the application again.
   */
  putIncoming?(packetId: number): Promise<void>;
  deleteIncoming?(packetId: number): Promise<void>;
  clearIncoming?(): Promise<void>;
  loadIncoming?(): Promise<number[]>;
}
