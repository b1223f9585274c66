import type { PubackPacket } from '@mq/codec';
import type { Connection } from '../connection.js';

/** PUBACK ends a QoS 1 delivery [MQTT-4.3.2-3]; an unknown id is ignored. */
export function handlePuback(conn: Connection, packet: PubackPacket): void {
  conn.session?.acknowledge(packet.packetId, 'puback');
}
