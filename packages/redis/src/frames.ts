import type { Message } from '@mq/broker';
import { BinaryReader, BinaryWriter } from './binary.js';
import { RedisBackendError, RedisBackendErrorCode } from './errors.js';
import { readMessage, writeMessage } from './records.js';

/** Bus frames start with this byte, so nodes running a later format can tell. */
const FRAME_FORMAT = 1;
/** Message frames carry the shared-group route since format 2. */
const MESSAGE_FRAME_FORMAT = 2;

/** Which node serves which `$share` group for one message (see ShareTable). */
export interface FrameRoute {
  /** Pairs of group (full `$share/...` filter) and the node id that serves it. */
  readonly assignments: ReadonlyArray<readonly [group: string, node: string]>;
  /** Passed on by a node without members: the other subscribers had the message already. */
  readonly sharedOnly: boolean;
  /** Nodes that had no member of the groups when the message reached them. */
  readonly tried: readonly string[];
  /** Sent before the sender knew the other nodes' groups: every node serves its own (at least once). */
  readonly unrouted?: boolean;
}

const NO_ROUTE: FrameRoute = { assignments: [], sharedOnly: false, tried: [] };
const UNROUTED: FrameRoute = { assignments: [], sharedOnly: false, tried: [], unrouted: true };
/** Bits of the route's flags byte. */
const SHARED_ONLY = 1;
const UNROUTED_FLAG = 2;

/** Kinds of frames on the shares channel. */
export const ShareKind = {
  /** The sender has its first member of a group. */
  Joined: 1,
  /** The sender's last member of a group left. */
  Left: 2,
  /** The sender has no members of any group (it started or is closing). */
  Reset: 3,
  /** Heartbeat: the sender is alive (sent every heartbeat period). */
  Alive: 4,
  /**
   * The sender's liveness key lapsed and its entries were removed from the shares set, by whichever
   * node found it dead (the sender itself, if it was only paused, announces its groups again).
   */
  Gone: 5,
} as const;
export type ShareKind = (typeof ShareKind)[keyof typeof ShareKind];

export interface ShareFrame {
  kind: ShareKind;
  sender: string;
  /** The group's full `$share/...` filter; '' for Reset, Alive and Gone. */
  group: string;
}

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

function checkFormat(r: BinaryReader, expected = FRAME_FORMAT): void {
  const format = r.u8();
  if (format !== expected) {
    throw new RedisBackendError(RedisBackendErrorCode.BadRecord, `bus frame has format ${format}`);
  }
}

/** A routed message: format, sender node id, the shared-group route, then the message record. */
export function encodeMessageFrame(sender: string, message: Message, route: FrameRoute = NO_ROUTE): Buffer {
  const w = new BinaryWriter(message.payload.length + message.topic.length + sender.length + 32)
    .u8(MESSAGE_FRAME_FORMAT)
    .string(sender)
    .varint(route.assignments.length);
  for (const [group, node] of route.assignments) w.string(group).string(node);
  w.u8((route.sharedOnly ? SHARED_ONLY : 0) | (route.unrouted ? UNROUTED_FLAG : 0)).varint(
    route.tried.length,
  );
  for (const node of route.tried) w.string(node);
  writeMessage(w, message);
  return w.finish();
}

/** Reads the sender and route first; the message is decoded on demand. */
export function decodeMessageFrame(bytes: Uint8Array): {
  sender: string;
  route: FrameRoute;
  message: () => Message;
} {
  const r = new BinaryReader(bytes);
  checkFormat(r, MESSAGE_FRAME_FORMAT);
  const sender = r.string();
  const count = r.varint();
  const assignments: Array<readonly [string, string]> = [];
  for (let i = 0; i < count; i++) assignments.push([r.string(), r.string()]);
  const flags = r.u8();
  const sharedOnly = (flags & SHARED_ONLY) !== 0;
  const triedCount = r.varint();
  const message = () => readMessage(r);
  if ((flags & UNROUTED_FLAG) !== 0) return { sender, route: UNROUTED, message };
  // The common frame (no group matched): no arrays kept.
  if (count === 0 && !sharedOnly && triedCount === 0) return { sender, route: NO_ROUTE, message };
  const tried: string[] = [];
  for (let i = 0; i < triedCount; i++) tried.push(r.string());
  return { sender, route: { assignments, sharedOnly, tried }, message };
}

const SHARE_KINDS: ReadonlySet<number> = new Set(Object.values(ShareKind));

function isShareKind(kind: number): kind is ShareKind {
  return SHARE_KINDS.has(kind);
}

export function encodeShareFrame(frame: ShareFrame): Buffer {
  return new BinaryWriter(32 + frame.group.length)
    .u8(FRAME_FORMAT)
    .u8(frame.kind)
    .string(frame.sender)
    .string(frame.group)
    .finish();
}

export function decodeShareFrame(bytes: Uint8Array): ShareFrame {
  const r = new BinaryReader(bytes);
  checkFormat(r);
  const kind = r.u8();
  if (!isShareKind(kind)) {
    throw new RedisBackendError(RedisBackendErrorCode.BadRecord, `unknown share frame kind ${kind}`);
  }
  return { kind, sender: r.string(), group: r.string() };
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
