import type { Delivery, Message, StoredOutgoing, StoredWill } from '@mq/broker';
import type { PublishProperties, QoS } from '@mq/codec';
import { BinaryReader, BinaryWriter } from './binary.js';
import { RedisBackendError, RedisBackendErrorCode } from './errors.js';

/**
 * Compact binary records for what the broker stores and routes: a message, an outgoing entry and a will.
 * Every record starts with a format byte so a later version can read old data. Payload and correlation
 * data stay raw bytes (no base64), so Redis holds exactly the bytes the client sent.
 */
const FORMAT = 1;

const MessageFlag = { Retain: 0x04, Origin: 0x08, ExpiresAt: 0x10, Properties: 0x20 } as const;

type PropertyKey = keyof PublishProperties;

interface PropertyCodec {
  tag: number;
  write(w: BinaryWriter, value: NonNullable<PublishProperties[PropertyKey]>): void;
  read(r: BinaryReader): NonNullable<PublishProperties[PropertyKey]>;
}

const numberCodec = (tag: number): PropertyCodec => ({
  tag,
  write: (w, v) => w.varint(v as number),
  read: (r) => r.varint(),
});
const stringCodec = (tag: number): PropertyCodec => ({
  tag,
  write: (w, v) => w.string(v as string),
  read: (r) => r.string(),
});

/** One entry per PUBLISH property (tags are the MQTT property ids); the Record type keeps it exhaustive. */
const PROPERTY_CODECS: Record<PropertyKey, PropertyCodec> = {
  payloadFormatIndicator: numberCodec(0x01),
  messageExpiryInterval: numberCodec(0x02),
  contentType: stringCodec(0x03),
  responseTopic: stringCodec(0x08),
  correlationData: {
    tag: 0x09,
    write: (w, v) => w.bytes(v as Uint8Array),
    read: (r) => r.bytes(),
  },
  subscriptionIdentifiers: {
    tag: 0x0b,
    write: (w, v) => {
      const ids = v as number[];
      w.varint(ids.length);
      for (const id of ids) w.varint(id);
    },
    read: (r) => Array.from({ length: r.varint() }, () => r.varint()),
  },
  topicAlias: numberCodec(0x23),
  userProperties: {
    tag: 0x26,
    write: (w, v) => {
      const pairs = v as Array<[string, string]>;
      w.varint(pairs.length);
      for (const [key, value] of pairs) w.string(key).string(value);
    },
    read: (r) => Array.from({ length: r.varint() }, (): [string, string] => [r.string(), r.string()]),
  },
};

const PROPERTY_BY_TAG = new Map(
  Object.entries(PROPERTY_CODECS).map(([key, codec]) => [codec.tag, { key: key as PropertyKey, codec }]),
);

function bad(message: string): never {
  throw new RedisBackendError(RedisBackendErrorCode.BadRecord, message);
}

function checkFormat(r: BinaryReader, what: string): void {
  const format = r.u8();
  if (format !== FORMAT) bad(`${what} record has format ${format}, expected ${FORMAT}`);
}

function toQos(value: number): QoS {
  if (value !== 0 && value !== 1 && value !== 2) bad(`invalid QoS ${value}`);
  return value;
}

export function writeMessage(w: BinaryWriter, message: Message): void {
  const props = message.properties;
  const keys = props ? (Object.keys(props) as PropertyKey[]).filter((k) => props[k] !== undefined) : [];
  let flags = message.qos;
  if (message.retain) flags |= MessageFlag.Retain;
  if (message.origin !== undefined) flags |= MessageFlag.Origin;
  if (message.expiresAt !== undefined) flags |= MessageFlag.ExpiresAt;
  if (keys.length > 0) flags |= MessageFlag.Properties;
  w.u8(flags).string(message.topic);
  if (message.origin !== undefined) w.string(message.origin);
  if (message.expiresAt !== undefined) w.f64(message.expiresAt);
  if (props && keys.length > 0) {
    w.varint(keys.length);
    for (const key of keys) {
      const codec = PROPERTY_CODECS[key];
      if (!codec) throw new RedisBackendError(RedisBackendErrorCode.Unencodable, `unknown property ${key}`);
      w.u8(codec.tag);
      codec.write(w, props[key]!);
    }
  }
  w.bytes(message.payload);
}

export function readMessage(r: BinaryReader): Message {
  const flags = r.u8();
  const message: Message = {
    topic: r.string(),
    payload: new Uint8Array(0),
    qos: toQos(flags & 0x03),
    retain: (flags & MessageFlag.Retain) !== 0,
  };
  if (flags & MessageFlag.Origin) message.origin = r.string();
  if (flags & MessageFlag.ExpiresAt) message.expiresAt = r.f64();
  if (flags & MessageFlag.Properties) {
    const props: Record<string, unknown> = {};
    for (let n = r.varint(); n > 0; n--) {
      const tag = r.u8();
      const entry = PROPERTY_BY_TAG.get(tag) ?? bad(`unknown property tag ${tag}`);
      props[entry.key] = entry.codec.read(r);
    }
    message.properties = props as PublishProperties;
  }
  message.payload = r.bytes();
  return message;
}

export function encodeMessage(message: Message): Buffer {
  const w = new BinaryWriter(message.payload.length + message.topic.length + 32).u8(FORMAT);
  writeMessage(w, message);
  return w.finish();
}

export function decodeMessage(bytes: Uint8Array): Message {
  const r = new BinaryReader(bytes);
  checkFormat(r, 'message');
  const message = readMessage(r);
  if (r.remaining !== 0) bad('trailing bytes after message');
  return message;
}

const OUTGOING_STATES = ['queued', 'publish', 'pubrel'] as const;

export function encodeOutgoing(entry: StoredOutgoing): Buffer {
  const { delivery } = entry;
  const w = new BinaryWriter(delivery.message.payload.length + 48)
    .u8(FORMAT)
    .varint(entry.seq)
    .u8(OUTGOING_STATES.indexOf(entry.state))
    .varint(entry.packetId ?? 0)
    .u8(delivery.qos | (delivery.retain ? 0x04 : 0));
  const ids = delivery.subscriptionIds;
  w.u8(ids === undefined ? 0 : 1);
  if (ids !== undefined) {
    w.varint(ids.length);
    for (const id of ids) w.varint(id);
  }
  writeMessage(w, delivery.message);
  return w.finish();
}

export function decodeOutgoing(bytes: Uint8Array): StoredOutgoing {
  const r = new BinaryReader(bytes);
  checkFormat(r, 'outgoing');
  const seq = r.varint();
  const state = OUTGOING_STATES[r.u8()] ?? bad('invalid outgoing state');
  const packetId = r.varint();
  const flags = r.u8();
  const hasIds = r.u8() === 1;
  const subscriptionIds = hasIds ? Array.from({ length: r.varint() }, () => r.varint()) : undefined;
  const delivery: Delivery = {
    message: readMessage(r),
    qos: toQos(flags & 0x03),
    retain: (flags & 0x04) !== 0,
  };
  if (subscriptionIds) delivery.subscriptionIds = subscriptionIds;
  const entry: StoredOutgoing = { seq, state, delivery };
  if (packetId !== 0) entry.packetId = packetId;
  return entry;
}

export function encodeWill(will: StoredWill): Buffer {
  const w = new BinaryWriter(will.message.payload.length + 64)
    .u8(FORMAT)
    .string(will.clientId)
    .f64(will.publishAt)
    .u8(will.expirySeconds === undefined ? 0 : 1);
  if (will.expirySeconds !== undefined) w.varint(will.expirySeconds);
  writeMessage(w, will.message);
  return w.finish();
}

export function decodeWill(bytes: Uint8Array): StoredWill {
  const r = new BinaryReader(bytes);
  checkFormat(r, 'will');
  const clientId = r.string();
  const publishAt = r.f64();
  const expirySeconds = r.u8() === 1 ? r.varint() : undefined;
  const will: StoredWill = { clientId, publishAt, message: readMessage(r) };
  if (expirySeconds !== undefined) will.expirySeconds = expirySeconds;
  return will;
}
