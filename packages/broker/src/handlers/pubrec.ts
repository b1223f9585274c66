import { type PubrecPacket, ReasonCode } from '@mq/codec';
import { ACK_TEMPLATES } from '../acks.js';
import type { Connection } from '../connection.js';

/**
 * PUBREC: answer with PUBREL carrying the same id [MQTT-4.3.3-4]; an error reason code ends the flow
 * without PUBREL [MQTT-4.4.0-2]; an unknown id gets PUBREL 0x92 in v5.
 */
export function handlePubrec(conn: Connection, packet: PubrecPacket): void {
  const failed = (packet.reasonCode ?? 0) >= 0x80;
  const known = conn.session?.received(packet.packetId, failed) ?? false;
  if (failed) return;
  if (known || conn.protocolVersion < 5) {
    conn.writeAck(ACK_TEMPLATES.pubrel, packet.packetId);
  } else {
    conn.send({ type: 'pubrel', packetId: packet.packetId, reasonCode: ReasonCode.PacketIdentifierNotFound });
  }
}
