/**
 * The few MQTT 3.1.1 packets the load generator sends, built by hand once per
 * connection. The generator stays independent of @mq/codec on purpose: a codec
 * bug must not be able to hide itself from the benchmark, and a template patched
 * in place costs nothing per message.
 */

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

export type QoS = 0 | 1 | 2;

/** MQTT 3.1.1 protocol level in CONNECT. */
const PROTOCOL_LEVEL = 4;
const CLEAN_SESSION = 0x02;

/** Payload header: f64 send time (ns since the run's epoch), u32 publisher index, u32 sequence. */
export const PAYLOAD_HEADER = 16;
export const TS_OFFSET = 0;
export const PUBLISHER_OFFSET = 8;
export const SEQ_OFFSET = 12;

function varIntLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

function writeVarInt(target: Buffer, offset: number, value: number): number {
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    target[offset++] = byte;
  } while (value > 0);
  return offset;
}

function writeString(target: Buffer, offset: number, text: string): number {
  const length = target.write(text, offset + 2, 'utf8');
  target.writeUInt16BE(length, offset);
  return offset + 2 + length;
}

/** Fixed header + body in one exactly sized buffer. */
function framed(
  firstByte: number,
  bodyLength: number,
  fill: (body: Buffer, offset: number) => number,
): Buffer {
  const out = Buffer.alloc(1 + varIntLength(bodyLength) + bodyLength);
  out[0] = firstByte;
  const start = writeVarInt(out, 1, bodyLength);
  const end = fill(out, start);
  if (end !== out.length) throw new Error(`packet length mismatch: ${end} != ${out.length}`);
  return out;
}

export function connectPacket(clientId: string, keepAliveSeconds: number): Buffer {
  const bodyLength = 6 + 1 + 1 + 2 + 2 + Buffer.byteLength(clientId);
  return framed(PacketType.CONNECT << 4, bodyLength, (b, o) => {
    o = writeString(b, o, 'MQTT');
    b[o++] = PROTOCOL_LEVEL;
    b[o++] = CLEAN_SESSION;
    b.writeUInt16BE(keepAliveSeconds, o);
    return writeString(b, o + 2, clientId);
  });
}

export function subscribePacket(packetId: number, topicFilter: string, qos: QoS): Buffer {
  const bodyLength = 2 + 2 + Buffer.byteLength(topicFilter) + 1;
  // [MQTT-3.8.1-1] SUBSCRIBE fixed header flags are 0b0010.
  return framed((PacketType.SUBSCRIBE << 4) | 0x02, bodyLength, (b, o) => {
    b.writeUInt16BE(packetId, o);
    o = writeString(b, o + 2, topicFilter);
    b[o++] = qos;
    return o;
  });
}

/** PUBACK, PUBREC, PUBREL (flags 0b0010) or PUBCOMP, written into a batch buffer. */
export function writeAck(target: Buffer, offset: number, type: number, packetId: number): number {
  target[offset] = (type << 4) | (type === PacketType.PUBREL ? 0x02 : 0);
  target[offset + 1] = 2;
  target[offset + 2] = packetId >> 8;
  target[offset + 3] = packetId & 0xff;
  return offset + 4;
}
export const ACK_LENGTH = 4;

export const DISCONNECT = Buffer.from([PacketType.DISCONNECT << 4, 0]);
export const PINGREQ = Buffer.from([PacketType.PINGREQ << 4, 0]);

export interface PublishTemplate {
  readonly bytes: Buffer;
  /** Where the packet id goes (QoS 1/2 only). */
  readonly packetIdOffset: number;
  readonly payloadOffset: number;
}

/** One PUBLISH with filler payload and the publisher index already in place. */
export function publishTemplate(
  topic: string,
  qos: QoS,
  payloadSize: number,
  publisher: number,
): PublishTemplate {
  if (payloadSize < PAYLOAD_HEADER) throw new RangeError(`payload must be at least ${PAYLOAD_HEADER} bytes`);
  const idLength = qos > 0 ? 2 : 0;
  const bodyLength = 2 + Buffer.byteLength(topic) + idLength + payloadSize;
  let packetIdOffset = 0;
  let payloadOffset = 0;
  const bytes = framed((PacketType.PUBLISH << 4) | (qos << 1), bodyLength, (b, o) => {
    o = writeString(b, o, topic);
    packetIdOffset = o;
    o += idLength;
    payloadOffset = o;
    b.fill(0x78, o, o + payloadSize);
    b.writeUInt32LE(publisher, o + PUBLISHER_OFFSET);
    return o + payloadSize;
  });
  return { bytes, packetIdOffset, payloadOffset };
}

/**
 * Calls onPacket for every whole packet in `data` and returns the offset of the
 * first incomplete one. Only boundaries are found here; the caller reads fields.
 */
export function scanPackets(
  data: Buffer,
  onPacket: (data: Buffer, firstByte: number, bodyStart: number, bodyLength: number) => void,
): number {
  let offset = 0;
  const end = data.length;
  while (end - offset >= 2) {
    let length = 0;
    let multiplier = 1;
    let index = offset + 1;
    let byte = 0;
    let complete = false;
    for (let n = 0; n < 4 && index < end; n++) {
      byte = data[index++]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        complete = true;
        break;
      }
    }
    if (!complete) {
      if (index - offset - 1 >= 4) throw new Error('malformed remaining length');
      return offset;
    }
    if (index + length > end) return offset;
    onPacket(data, data[offset]!, index, length);
    offset = index + length;
  }
  return offset;
}
