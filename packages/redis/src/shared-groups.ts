import type { Message, RouteBus } from '@mq/broker';
import type { Redis } from 'ioredis';
import {
  decodeShareFrame,
  encodeMessageFrame,
  encodeShareFrame,
  type FrameRoute,
  ShareKind,
} from './frames.js';
import type { RedisKeys } from './keys.js';
import { ShareTable } from './share-table.js';

type SharedRoute = NonNullable<Parameters<Parameters<RouteBus['onMessage']>[0]>[1]>;

/** Separates node id and group in the members of the shares set (U+0000 is never in a topic filter). */
const SEP = '\u0000';

/** Removes a node's members from the shares set and tells the others, in one step. */
const RESET_SCRIPT = `
local prefix = ARGV[1]
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(member, 1, #prefix) == prefix then redis.call('SREM', KEYS[1], member) end
end
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 0`;

const NONE: SharedRoute = { groups: new Set<string>(), sharedOnly: false };
const UNROUTED: FrameRoute = { assignments: [], sharedOnly: false, tried: [], unrouted: true };

/**
 * Shared subscriptions across nodes: each message reaches one member of each `$share` group in the
 * whole cluster, not one per node.
 *
 * - Membership: a node announces when it gets its first member of a group and when its last one
 *   leaves (the router tells it), as a member `<node>\0<group>` of the set `<prefix>shares` plus a
 *   frame on `<prefix>bus:shares`. Every node keeps the table of which nodes have members of which
 *   group (ShareTable), loaded from the set when it starts and kept current by the frames.
 * - Publishing: the publishing node matches the topic against the table and picks, for each matching
 *   group, one node with members, round robin; the message frame carries these pairs. Each node
 *   delivers to its ordinary subscribers as before, but to a group's members only where the frame
 *   names it, so every group gets the message once. That node's broker picks one of its members.
 * - Nothing lost: a node named for a group that has no member there any more (it left while the frame
 *   was on its way, or the node's table was behind) passes the group on, with a frame for the groups
 *   only, to another node with members that has not had it yet. Only when none is left is the message
 *   dropped for that group, as a single broker drops it for a group without members.
 * - Connected members first, as on a single broker: a node whose members of the group are all away
 *   (persistent sessions without a client) passes the group on too while an untried node is left; the
 *   last node tried queues it in an away member's session.
 * - Until a node has loaded the table its frames are unrouted: every node serves its own members, so
 *   a message may reach a group twice but never not at all.
 * - A node clears its entries when it starts (left over from a crash) and when it closes. A node that
 *   crashed keeps its entries until it restarts: groups routed to it meanwhile reach nobody there.
 */
export class SharedGroups {
  readonly #table = new ShareTable();
  readonly #nodeId: string;
  readonly #keys: RedisKeys;
  readonly #pub: Redis;
  readonly #report: (err: unknown) => void;
  /** Live frames seen before the snapshot was applied (`<node>\0<group>`, or the node id of a Reset). */
  #seen: Set<string> | undefined = new Set();

  constructor(nodeId: string, keys: RedisKeys, pub: Redis, report: (err: unknown) => void) {
    this.#nodeId = nodeId;
    this.#keys = keys;
    this.#pub = pub;
    this.#report = report;
    // Whatever an earlier run of this node left behind is stale: its sessions announce again.
    this.#reset();
  }

  /** Loads what other nodes announced before this one listened; call once subscribed to the frames. */
  async load(): Promise<void> {
    const members = await this.#pub.smembers(this.#keys.shares);
    const seen = this.#seen;
    this.#seen = undefined;
    for (const member of members) {
      const at = member.indexOf(SEP);
      const node = member.slice(0, at);
      if (at < 0 || node === this.#nodeId || seen?.has(node) || seen?.has(member)) continue;
      this.#table.set(node, member.slice(at + 1), true);
    }
  }

  /** This node got its first member of `group`, or lost its last one. */
  changed(group: string, present: boolean): void {
    this.#table.set(this.#nodeId, group, present);
    const member = `${this.#nodeId}${SEP}${group}`;
    const kind = present ? ShareKind.Joined : ShareKind.Left;
    const frame = encodeShareFrame({ kind, sender: this.#nodeId, group });
    const multi = this.#pub.multi();
    if (present) multi.sadd(this.#keys.shares, member);
    else multi.srem(this.#keys.shares, member);
    multi
      .publish(this.#keys.shareChannel, frame)
      .exec()
      .catch((err: Error) => this.#report(err));
  }

  /** A frame from the shares channel. */
  onFrame(data: Buffer): void {
    const frame = decodeShareFrame(data);
    if (frame.sender === this.#nodeId) return;
    if (frame.kind === ShareKind.Reset) {
      this.#seen?.add(frame.sender);
      this.#table.reset(frame.sender);
      return;
    }
    this.#seen?.add(`${frame.sender}${SEP}${frame.group}`);
    this.#table.set(frame.sender, frame.group, frame.kind === ShareKind.Joined);
  }

  has(node: string, group: string): boolean {
    return this.#table.has(node, group);
  }

  /** The route a message published on this node carries: the node serving each matching group. */
  routeFor(topic: string): FrameRoute | undefined {
    // Until the table is loaded every node serves its own members: a duplicate rather than a loss.
    if (this.#seen !== undefined) return UNROUTED;
    const assignments = this.#table.assign(topic);
    return assignments && { assignments, sharedOnly: false, tried: [] };
  }

  /**
   * The groups this node serves for a routed message: null to serve all of its own (an unrouted frame),
   * undefined when the frame is not for this node at all.
   */
  localRoute(route: FrameRoute): SharedRoute | null | undefined {
    if (route.unrouted) return null;
    let groups: Set<string> | undefined;
    for (const [group, node] of route.assignments) {
      if (node !== this.#nodeId) continue;
      if (groups === undefined) groups = new Set([group]);
      else groups.add(group);
    }
    if (groups === undefined) return route.sharedOnly ? undefined : NONE;
    // Groups another node could still take: served here only by a connected member (see passOn).
    let connectedOnly: Set<string> | undefined;
    for (const group of groups) {
      if (!this.#table.hasOther(group, route.tried, this.#nodeId)) continue;
      if (connectedOnly === undefined) connectedOnly = new Set([group]);
      else connectedOnly.add(group);
    }
    const local: SharedRoute = { groups, sharedOnly: route.sharedOnly };
    return connectedOnly === undefined ? local : { ...local, connectedOnly };
  }

  /** Hands the groups this node had no member of to other nodes that have some (one frame). */
  passOn(message: Message, route: FrameRoute, missed: readonly string[]): Buffer | undefined {
    const tried = [...route.tried, this.#nodeId];
    const assignments: Array<readonly [string, string]> = [];
    for (const group of missed) {
      const next = this.#table.next(group, tried);
      if (next !== undefined) assignments.push([group, next]);
    }
    if (assignments.length === 0) return undefined;
    return encodeMessageFrame(this.#nodeId, message, { assignments, sharedOnly: true, tried });
  }

  /** Leaves every group (the node closes): other nodes stop routing groups here. */
  leave(): void {
    this.#reset();
  }

  #reset(): void {
    const frame = encodeShareFrame({ kind: ShareKind.Reset, sender: this.#nodeId, group: '' });
    this.#pub
      .eval(RESET_SCRIPT, 2, this.#keys.shares, this.#keys.shareChannel, `${this.#nodeId}${SEP}`, frame)
      .catch((err: Error) => this.#report(err));
  }
}
