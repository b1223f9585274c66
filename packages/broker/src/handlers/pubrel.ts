import { type PubrelPacket, ReasonCode } from '@mq/codec';
import { ACK_TEMPLATES } from '../acks.js';
import type { Connection } from '../connection.js';

/**
 * PUBREL releases an inbound QoS 2 packet id: answer PUBCOMP with the same id [MQTT-4.3.3-9]. The
 * message was routed when it first arrived, so a resent PUBLISH before this is not delivered again.
 */
export function handlePubrel(conn: Connection, packet: PubrelPacket): void {
  const known = conn.session?.removeIncomingQos2(packet.packetId) ?? false;
  if (known) conn.inboundUnacked = Math.max(0, conn.inboundUnacked - 1);
  if (known || conn.protocolVersion < 5) {
    conn.writeAck(ACK_TEMPLATES.pubcomp, packet.packetId);
  } else {
    conn.send({
      type: 'pubcomp',
      packetId: packet.packetId,
      reasonCode: ReasonCode.PacketIdentifierNotFound,
    });
  }
}
