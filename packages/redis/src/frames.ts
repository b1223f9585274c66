import type { Message } from '@mq/broker';
import { BinaryReader, BinaryWriter } from './binary.js';
import { RedisBackendError, RedisBackendErrorCode } from './errors.js';
import { readMessage, writeMessage } from './records.js';

/** Bus frames start with this byte, so nodes running a later format can tell. */
const FRAME_FORMAT = 1;

/** Kinds of frames on the claims channel. */
export const ClaimKind = {
  /** Broadcast after a CONNECT: the sender now holds the session; others drop theirs. */
  Claimed: 1,
  /** To the node holding a session: drop the connection, flush, hand the session over. */
  Release: 2,
  /** Reply to Release: the session is in Redis and no longer held by the sender. */
  Released: 3,
} as const;
export type ClaimKind = (typeof ClaimKind)[keyof typeof ClaimKind];

export interface ClaimFrame {
  kind: ClaimKind;
  sender: string;
  /** Node the frame is for; '' for a broadcast. */
  target: string;
  clientId: string;
  requestId: number;
  cleanStart: boolean;
}

function checkFormat(r: BinaryReader): void {
  const format = r.u8();
  if (format !== FRAME_FORMAT) {
    throw new RedisBackendError(RedisBackendErrorCode.BadRecord, `bus frame has format ${format}`);
  }
}

/** A routed message: format, sender node id, then the message record. */
export function encodeMessageFrame(sender: string, message: Message): Buffer {
  const w = new BinaryWriter(message.payload.length + message.topic.length + sender.length + 32)
    .u8(FRAME_FORMAT)
    .string(sender);
  writeMessage(w, message);
  return w.finish();
}

/** Reads the sender first; the message is decoded on demand. */
export function decodeMessageFrame(bytes: Uint8Array): { sender: string; message: () => Message } {
  const r = new BinaryReader(bytes);
  checkFormat(r);
  const sender = r.string();
  return { sender, message: () => readMessage(r) };
}

export function encodeClaimFrame(frame: ClaimFrame): Buffer {
  return new BinaryWriter(64)
    .u8(FRAME_FORMAT)
    .u8(frame.kind)
    .string(frame.sender)
    .string(frame.target)
    .string(frame.clientId)
    .varint(frame.requestId)
    .u8(frame.cleanStart ? 1 : 0)
    .finish();
}

export function decodeClaimFrame(bytes: Uint8Array): ClaimFrame {
  const r = new BinaryReader(bytes);
  checkFormat(r);
  const kind = r.u8();
  if (kind !== ClaimKind.Claimed && kind !== ClaimKind.Release && kind !== ClaimKind.Released) {
    throw new RedisBackendError(RedisBackendErrorCode.BadRecord, `unknown claim frame kind ${kind}`);
  }
  return {
    kind,
    sender: r.string(),
    target: r.string(),
    clientId: r.string(),
    requestId: r.varint(),
    cleanStart: r.u8() === 1,
  };
}
