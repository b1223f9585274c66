/** CONNACK: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { checkReasonCode, type Sizes } from './encode-common.js';
import { protocolError } from './errors.js';
import type { ConnackPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const V5_CODES = new Set(REASON_CODES_BY_PACKET.connack);
const V4_CODES = new Set([0, 1, 2, 3, 4, 5]);

export function connackLength(p: ConnackPacket, version: ProtocolVersion, sizes: Sizes): number {
  checkReasonCode(p.reasonCode, version === 5 ? V5_CODES : V4_CODES, 'connack.reasonCode');
  if (p.sessionPresent && p.reasonCode !== 0) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      'connack.sessionPresent',
      'must be false with a non-zero reason code',
    );
  }
  if (version < 5) return 2;
  sizes.props = propertiesLength(p.properties, 'connack');
  return 2 + varintLength(sizes.props) + sizes.props;
}

export function writeConnack(w: Writer, p: ConnackPacket, version: ProtocolVersion, sizes: Sizes): void {
  w.u8(p.sessionPresent ? 1 : 0);
  w.u8(p.reasonCode);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
}
