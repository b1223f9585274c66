/** PUBACK, PUBREC, PUBREL, PUBCOMP bodies (5.0 sections 3.4-3.7, 3.1.1 sections 3.4-3.7). */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { PubAckLikePacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

type AckType = PubAckLikePacket['type'];

const CODES: Record<AckType, ReadonlySet<number>> = {
  puback: new Set(REASON_CODES_BY_PACKET.puback),
  pubrec: new Set(REASON_CODES_BY_PACKET.pubrec),
  pubrel: new Set(REASON_CODES_BY_PACKET.pubrel),
  pubcomp: new Set(REASON_CODES_BY_PACKET.pubcomp),
};

export function decodeAck(r: Reader, type: AckType, version: ProtocolVersion): PubAckLikePacket {
  const packetId = r.packetId(`${type}.packetId`);
  if (version < 5) {
    r.done(type);
    return { type, packetId } as PubAckLikePacket;
  }
  // 5.0: Reason Code omitted means 0x00; Property Length omitted means none.
  let reasonCode = 0;
  if (r.remaining > 0) {
    reasonCode = r.u8(`${type}.reasonCode`);
    if (!CODES[type].has(reasonCode)) {
      throw protocolError(
        'INVALID_REASON_CODE',
        `${type}.reasonCode`,
        `invalid reason code 0x${hex(reasonCode)}`,
      );
    }
  }
  const packet = { type, packetId, reasonCode } as PubAckLikePacket;
  if (r.remaining > 0) {
    const properties = decodeProperties(r, type);
    if (properties) packet.properties = properties;
  }
  r.done(type);
  return packet;
}
