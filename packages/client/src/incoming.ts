import type { Packet, PublishPacket } from '@mq/codec';
import { ClientErrorCode, MqttClientError } from './errors.js';
import type { Message } from './message.js';
import type { MessageStore } from './store/types.js';

const decoder = new TextDecoder();

/** What the incoming side needs from the current connection. */
export interface IncomingLink {
  protocolVersion: 3 | 4 | 5;
  send(packet: Packet): void;
}

/**
 * Incoming QoS 1/2 flows. QoS 2 ids live in `#qos2` from the first PUBLISH until PUBREL, so a
 * redelivered PUBLISH (DUP) is acknowledged again but never handed to the application twice
 * [MQTT-4.3.3-10]. The map survives reconnects while the server keeps the session, and process
 * restarts when the store keeps incoming ids (PUBREC goes out only once the id is written).
 */
export class IncomingFlows {
  #qos2 = new Map<number, 'delivered' | 'acked'>();
  #link: IncomingLink | undefined;
  #manualAck: boolean;
  #store: MessageStore;
  #onError: (error: MqttClientError) => void;

  constructor(manualAck: boolean, store: MessageStore, onError: (error: MqttClientError) => void) {
    this.#manualAck = manualAck;
    this.#store = store;
    this.#onError = onError;
  }

  /** Ids a previous run acknowledged with PUBREC and never saw PUBREL for. */
  async restore(): Promise<void> {
    for (const packetId of (await this.#store.loadIncoming?.()) ?? []) this.#qos2.set(packetId, 'acked');
  }

  connected(link: IncomingLink, sessionPresent: boolean): void {
    this.#link = link;
    if (!sessionPresent && this.#qos2.size > 0) {
      this.#qos2.clear();
      this.#persist(this.#store.clearIncoming?.());
    }
  }

  disconnected(): void {
    this.#link = undefined;
  }

  /** Handles a PUBLISH whose topic is resolved; calls `deliver` unless it is a QoS 2 duplicate. */
  onPublish(packet: PublishPacket, topic: string, deliver: (message: Message) => void): void {
    const packetId = packet.packetId ?? 0;
    if (packet.qos === 2) {
      const seen = this.#qos2.get(packetId);
      if (seen !== undefined) {
        if (seen === 'acked') this.#link?.send({ type: 'pubrec', packetId });
        return;
      }
      this.#qos2.set(packetId, 'delivered');
    }
    let acked = packet.qos === 0;
    const ack = () => {
      if (acked) return;
      acked = true;
      if (packet.qos === 1) {
        this.#link?.send({ type: 'puback', packetId });
      } else if (this.#qos2.has(packetId)) {
        this.#qos2.set(packetId, 'acked');
        const sendPubrec = () => this.#link?.send({ type: 'pubrec', packetId });
        const written = this.#store.putIncoming?.(packetId);
        if (!written) {
          sendPubrec();
          return;
        }
        written.then(sendPubrec, (cause: unknown) => {
          this.#storeFailed(cause);
          sendPubrec();
        });
      }
    };
    const message: Message = {
      topic,
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain,
      dup: packet.dup,
      properties: packet.properties,
      text: () => decoder.decode(packet.payload),
      ack,
    };
    try {
      deliver(message);
    } finally {
      if (!this.#manualAck) ack();
    }
  }

  onPubrel(packetId: number): void {
    const known = this.#qos2.delete(packetId);
    if (known) this.#persist(this.#store.deleteIncoming?.(packetId));
    const link = this.#link;
    if (!link) return;
    // [MQTT-4.3.3-11] answer PUBREL with PUBCOMP; v5 flags an unknown id.
    link.send(
      known || link.protocolVersion !== 5
        ? { type: 'pubcomp', packetId }
        : { type: 'pubcomp', packetId, reasonCode: 0x92 },
    );
  }

  #persist(operation: Promise<void> | undefined): void {
    operation?.catch((cause: unknown) => this.#storeFailed(cause));
  }

  #storeFailed(cause: unknown): void {
    this.#onError(
      new MqttClientError(ClientErrorCode.StoreError, 'the store failed to record an incoming QoS 2 id', {
        cause,
      }),
    );
  }
}
