/** AUTH: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { checkReasonCode, type Sizes } from './encode-common.js';
import { protocolError } from './errors.js';
import type { AuthPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const AUTH_CODES = new Set(REASON_CODES_BY_PACKET.auth);

/** AUTH exists only in 5.0 and always carries an Authentication Method. */
export function authLength(p: AuthPacket, version: ProtocolVersion, sizes: Sizes): number {
  if (version !== 5)
    throw protocolError('INVALID_PACKET_TYPE', 'auth', `AUTH does not exist in version ${version}`);
  checkReasonCode(p.reasonCode ?? 0, AUTH_CODES, 'auth.reasonCode');
  if (p.properties?.authenticationMethod === undefined) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      'auth.properties.authenticationMethod',
      'AUTH must carry an Authentication Method',
    );
  }
  sizes.props = propertiesLength(p.properties, 'auth');
  return 1 + varintLength(sizes.props) + sizes.props;
}

export function writeAuth(w: Writer, p: AuthPacket, sizes: Sizes): void {
  w.u8(p.reasonCode ?? 0);
  writeProperties(w, p.properties, sizes.props);
}
