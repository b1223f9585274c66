/** DISCONNECT: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { checkReasonCode, type Sizes } from './encode-common.js';
import type { DisconnectPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const DISCONNECT_CODES = new Set(REASON_CODES_BY_PACKET.disconnect);

/** 5.0 shortest form: empty for Normal disconnection without properties. Empty in 3.1/3.1.1. */
export function disconnectLength(p: DisconnectPacket, version: ProtocolVersion, sizes: Sizes): number {
  if (version < 5) return 0;
  const code = p.reasonCode ?? 0;
  checkReasonCode(code, DISCONNECT_CODES, 'disconnect.reasonCode');
  sizes.props = propertiesLength(p.properties, 'disconnect');
  if (sizes.props === 0) return code === 0 ? 0 : 1;
  return 1 + varintLength(sizes.props) + sizes.props;
}

export function writeDisconnect(
  w: Writer,
  p: DisconnectPacket,
  version: ProtocolVersion,
  sizes: Sizes,
): void {
  if (version < 5) return;
  const code = p.reasonCode ?? 0;
  if (sizes.props === 0) {
    if (code !== 0) w.u8(code);
    return;
  }
  w.u8(code);
  writeProperties(w, p.properties, sizes.props);
}
