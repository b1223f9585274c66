import type { PubcompPacket } from '@mq/codec';
import type { Connection } from '../connection.js';

/** PUBCOMP ends a QoS 2 delivery [MQTT-4.3.3-5]; an unknown id is ignored. */
export function handlePubcomp(conn: Connection, packet: PubcompPacket): void {
  conn.session?.acknowledge(packet.packetId, 'pubcomp');
}
