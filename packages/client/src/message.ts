import type { PublishProperties, QoS } from '@mq/codec';

/** A message received from the server. */
export interface Message {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** The server marked it as a possible redelivery (QoS 1 may be delivered again after a reconnect). */
  dup: boolean;
  /** MQTT 5 properties (topic alias already resolved into `topic`). */
  properties: PublishProperties | undefined;
  /** Payload decoded as UTF-8. */
  text(): string;
  /**
   * Acknowledges a QoS 1/2 message (PUBACK / PUBREC). Only needed with `manualAck: true`;
   * otherwise the client acknowledges after the handlers ran. Calling it twice is harmless.
   */
  ack(): void;
}
