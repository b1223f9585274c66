/** PUBACK, PUBREC, PUBREL, PUBCOMP: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { checkPacketId, checkReasonCode, type Sizes } from './encode-common.js';
import type { PubAckLikePacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const CODES: Record<PubAckLikePacket['type'], ReadonlySet<number>> = {
  puback: new Set(REASON_CODES_BY_PACKET.puback),
  pubrec: new Set(REASON_CODES_BY_PACKET.pubrec),
  pubrel: new Set(REASON_CODES_BY_PACKET.pubrel),
  pubcomp: new Set(REASON_CODES_BY_PACKET.pubcomp),
};

/**
 * 5.0 uses the shortest form: 2 bytes for Success without properties, 3 with only a reason code. In 3.1/3.1.1
 * the reason code and properties cannot be carried and are left out.
 */
export function ackLength(p: PubAckLikePacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, `${p.type}.packetId`);
  if (version < 5) return 2;
  const code = p.reasonCode ?? 0;
  checkReasonCode(code, CODES[p.type], `${p.type}.reasonCode`);
  sizes.props = propertiesLength(p.properties, p.type);
  if (sizes.props === 0) return code === 0 ? 2 : 3;
  return 3 + varintLength(sizes.props) + sizes.props;
}

export function writeAck(w: Writer, p: PubAckLikePacket, version: ProtocolVersion, sizes: Sizes): void {
  w.u16(p.packetId);
  if (version < 5) return;
  const code = p.reasonCode ?? 0;
  if (sizes.props === 0) {
    if (code !== 0) w.u8(code);
    return;
  }
  w.u8(code);
  writeProperties(w, p.properties, sizes.props);
}
