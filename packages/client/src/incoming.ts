import type { Packet, PublishPacket } from '@mq/codec';
import type { Message } from './message.js';

const decoder = new TextDecoder();

/** What the incoming side needs from the current connection. */
export interface IncomingLink {
  protocolVersion: 3 | 4 | 5;
  send(packet: Packet): void;
}

/**
 * Incoming QoS 1/2 flows. QoS 2 ids live in `#qos2` from the first PUBLISH until PUBREL, so a
 * redelivered PUBLISH (DUP) is acknowledged again but never handed to the application twice
 * [MQTT-4.3.3-10]. The map survives reconnects while the server keeps the session.
 */
export class IncomingFlows {
  #qos2 = new Map<number, 'delivered' | 'acked'>();
  #link: IncomingLink | undefined;
  #manualAck: boolean;

  constructor(manualAck: boolean) {
    this.#manualAck = manualAck;
  }

  connected(link: IncomingLink, sessionPresent: boolean): void {
    this.#link = link;
    if (!sessionPresent) this.#qos2.clear();
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
        this.#link?.send({ type: 'pubrec', packetId });
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
    const link = this.#link;
    if (!link) return;
    // [MQTT-4.3.3-11] answer PUBREL with PUBCOMP; v5 flags an unknown id.
    link.send(
      known || link.protocolVersion !== 5
        ? { type: 'pubcomp', packetId }
        : { type: 'pubcomp', packetId, reasonCode: 0x92 },
    );
  }
}
