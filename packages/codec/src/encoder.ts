/**
 * Encoder: every packet is measured exactly first (which also runs the sender-side checks), then written
 * once into a buffer of that size. `encodePacket`, `encodeInto` and `encodeBatch` share the same two passes.
 *
 * Errors: MqttProtocolError for packet content a sender must not send (its `code` and `reasonCode` as for
 * the decoder), TypeError for values of the wrong JavaScript type or an unknown packet type, RangeError for
 * a bad `protocolVersion`, an out-of-range plain integer (e.g. keepAlive) or a target too small.
 * Fields a version cannot carry (properties, ack reason codes before 5.0) are left out, not rejected.
 * CONNECT is always encoded in its own `protocolVersion`.
 */
import { MAX_VARINT, type ProtocolVersion } from './constants.js';
import { ackLength, writeAck } from './encode-ack.js';
import { authLength, writeAuth } from './encode-auth.js';
import { newSizes, type Sizes } from './encode-common.js';
import { connackLength, writeConnack } from './encode-connack.js';
import { connectLength, writeConnect } from './encode-connect.js';
import { disconnectLength, writeDisconnect } from './encode-disconnect.js';
import { publishFlags, publishLength, writePublish } from './encode-publish.js';
import { subackLength, writeSuback } from './encode-suback.js';
import { subscribeLength, writeSubscribe } from './encode-subscribe.js';
import { unsubackLength, writeUnsuback } from './encode-unsuback.js';
import { unsubscribeLength, writeUnsubscribe } from './encode-unsubscribe.js';
import { protocolError } from './errors.js';
import type { Packet } from './packets.js';
import { allocBytes, asFastBuffer, NodeBuffer } from './platform.js';
import { varintLength } from './varint.js';
import { Writer } from './writer.js';

/** Sizes of the packet being encoded by encodePacket/encodeInto/encodedLength (single-threaded, not reentrant). */
const scratch = newSizes();

function checkVersion(version: unknown): asserts version is ProtocolVersion {
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new RangeError(`protocolVersion must be 3, 4 or 5, got ${String(version)}`);
  }
}

/** Remaining Length of `packet`, after the sender-side checks. Fills `sizes` for the write pass. */
function bodyLength(packet: Packet, version: ProtocolVersion, sizes: Sizes): number {
  sizes.props = 0;
  sizes.willProps = 0;
  sizes.topic = 0;
  let n: number;
  switch (packet.type) {
    case 'publish':
      n = publishLength(packet, version, sizes);
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      n = ackLength(packet, version, sizes);
      break;
    case 'connect':
      n = connectLength(packet, sizes);
      break;
    case 'connack':
      n = connackLength(packet, version, sizes);
      break;
    case 'subscribe':
      n = subscribeLength(packet, version, sizes);
      break;
    case 'suback':
      n = subackLength(packet, version, sizes);
      break;
    case 'unsubscribe':
      n = unsubscribeLength(packet, version, sizes);
      break;
    case 'unsuback':
      n = unsubackLength(packet, version, sizes);
      break;
    case 'pingreq':
    case 'pingresp':
      n = 0;
      break;
    case 'disconnect':
      n = disconnectLength(packet, version, sizes);
      break;
    case 'auth':
      n = authLength(packet, version, sizes);
      break;
    default:
      throw new TypeError(`unknown packet type ${String((packet as { type?: unknown }).type)}`);
  }
  if (n > MAX_VARINT) {
    throw protocolError('PACKET_TOO_LARGE', packet.type, `Remaining Length ${n} exceeds ${MAX_VARINT}`);
  }
  return n;
}

const FIRST_BYTE: Record<Exclude<Packet['type'], 'publish'>, number> = {
  connect: 0x10,
  connack: 0x20,
  puback: 0x40,
  pubrec: 0x50,
  pubrel: 0x62,
  pubcomp: 0x70,
  subscribe: 0x82,
  suback: 0x90,
  unsubscribe: 0xa2,
  unsuback: 0xb0,
  pingreq: 0xc0,
  pingresp: 0xd0,
  disconnect: 0xe0,
  auth: 0xf0,
};

function write(w: Writer, packet: Packet, version: ProtocolVersion, body: number, sizes: Sizes): void {
  w.u8(packet.type === 'publish' ? 0x30 | publishFlags(packet) : FIRST_BYTE[packet.type]);
  w.varint(body);
  switch (packet.type) {
    case 'publish':
      writePublish(w, packet, version, sizes);
      return;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      writeAck(w, packet, version, sizes);
      return;
    case 'connect':
      writeConnect(w, packet, sizes);
      return;
    case 'connack':
      writeConnack(w, packet, version, sizes);
      return;
    case 'subscribe':
      writeSubscribe(w, packet, version, sizes);
      return;
    case 'suback':
      writeSuback(w, packet, version, sizes);
      return;
    case 'unsubscribe':
      writeUnsubscribe(w, packet, version, sizes);
      return;
    case 'unsuback':
      writeUnsuback(w, packet, version, sizes);
      return;
    case 'disconnect':
      writeDisconnect(w, packet, version, sizes);
      return;
    case 'auth':
      writeAuth(w, packet, sizes);
      return;
  }
}

/** Exact encoded size of `packet` in bytes (fixed header included), after the sender-side checks. */
export function encodedLength(packet: Packet, protocolVersion: ProtocolVersion): number {
  checkVersion(protocolVersion);
  const body = bodyLength(packet, protocolVersion, scratch);
  return 1 + varintLength(body) + body;
}

/** Encodes one packet into a new buffer of exactly its size (a Buffer in Node). */
export function encodePacket(packet: Packet, protocolVersion: ProtocolVersion): Uint8Array {
  checkVersion(protocolVersion);
  const body = bodyLength(packet, protocolVersion, scratch);
  const bytes = allocBytes(1 + varintLength(body) + body);
  write(new Writer(bytes, 0), packet, protocolVersion, body, scratch);
  return bytes;
}

/** Encodes one packet into `target` at `offset`; returns the offset after it. RangeError if it does not fit. */
export function encodeInto(
  packet: Packet,
  protocolVersion: ProtocolVersion,
  target: Uint8Array,
  offset: number,
): number {
  checkVersion(protocolVersion);
  const body = bodyLength(packet, protocolVersion, scratch);
  const total = 1 + varintLength(body) + body;
  if (!Number.isInteger(offset) || offset < 0 || offset + total > target.length) {
    throw new RangeError(
      `encodeInto: ${total} bytes do not fit at offset ${offset} of a ${target.length}-byte target`,
    );
  }
  const w = new Writer(NodeBuffer ? asFastBuffer(target) : target, offset);
  write(w, packet, protocolVersion, body, scratch);
  return w.pos;
}

/** Encodes several packets back to back into one new buffer of exactly their total size. */
export function encodeBatch(packets: readonly Packet[], protocolVersion: ProtocolVersion): Uint8Array {
  checkVersion(protocolVersion);
  const count = packets.length;
  const bodies = new Array<number>(count);
  const sizes = new Array<Sizes>(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const s = newSizes();
    const body = bodyLength(packets[i]!, protocolVersion, s);
    bodies[i] = body;
    sizes[i] = s;
    total += 1 + varintLength(body) + body;
  }
  const w = new Writer(allocBytes(total), 0);
  for (let i = 0; i < count; i++) write(w, packets[i]!, protocolVersion, bodies[i]!, sizes[i]!);
  return w.bytes;
}
