import type { Message } from '@mq/broker';
import type { PublishProperties, QoS } from '@mq/codec';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';

/**
 * How a Message lies in table columns (the MESSAGE_COLUMNS of schema.ts). Payload is a BLOB of exactly
 * the bytes the client sent; the MQTT 5 properties are JSON, with correlationData (the one binary
 * property) as base64, so user properties keep their order and repeats.
 */
export interface MessageRow {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: number;
  origin: string | null;
  expires_at: number | null;
  properties: string | null;
}

export function bad(message: string, cause?: unknown): never {
  throw new SqliteStoreError(SqliteStoreErrorCode.BadRecord, message, { cause });
}

export function toQos(value: number): QoS {
  if (value !== 0 && value !== 1 && value !== 2) bad(`invalid QoS ${value} in a stored row`);
  return value;
}

/** A plain Uint8Array over the Buffer SQLite returned (each read is a fresh copy, so a view is safe). */
export function bytesOf(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function encodeProperties(properties: PublishProperties | undefined): string | null {
  if (properties === undefined) return null;
  const copy: Record<string, unknown> = { ...properties };
  if (properties.correlationData !== undefined) {
    copy.correlationData = Buffer.from(
      properties.correlationData.buffer,
      properties.correlationData.byteOffset,
      properties.correlationData.byteLength,
    ).toString('base64');
  }
  return JSON.stringify(copy);
}

function decodeProperties(text: string): PublishProperties {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    bad('stored message properties are not JSON', error);
  }
  if (typeof parsed.correlationData === 'string') {
    parsed.correlationData = bytesOf(Buffer.from(parsed.correlationData, 'base64'));
  }
  return parsed as PublishProperties;
}

export function toRow(message: Message): MessageRow {
  return {
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain ? 1 : 0,
    origin: message.origin ?? null,
    expires_at: message.expiresAt ?? null,
    properties: encodeProperties(message.properties),
  };
}

/** Optional fields absent in the row stay absent in the message, as the broker made it. */
export function fromRow(row: MessageRow): Message {
  const message: Message = {
    topic: row.topic,
    payload: bytesOf(row.payload),
    qos: toQos(row.qos),
    retain: row.retain === 1,
  };
  if (row.properties !== null) message.properties = decodeProperties(row.properties);
  if (row.expires_at !== null) message.expiresAt = row.expires_at;
  if (row.origin !== null) message.origin = row.origin;
  return message;
}
