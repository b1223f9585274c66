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
import { NodeLiveness } from './node-liveness.js';
import { LuaScript } from './redis-client.js';
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

/**
 * Removes a dead node's members from the shares set and tells every node, only if its liveness key
 * (KEYS[3]) is still absent: a node that was only paused and beat again meanwhile keeps its entries.
 * Returns -1 when the key is there, else how many members it removed (it publishes only if any).
 */
const REMOVE_DEAD = new LuaScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local prefix = ARGV[1]
local removed = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(member, 1, #prefix) == prefix then
    redis.call('SREM', KEYS[1], member)
    removed = removed + 1
  end
end
if removed > 0 then redis.call('PUBLISH', KEYS[2], ARGV[2]) end
return removed`);

/**
 * The shares set with, after each member, 1 if its node's liveness key (ARGV[1] .. node) exists, else
 * 0: a node starting after others died (a whole cluster restarting, say) skips them at once.
 */
const LOAD_SHARES = new LuaScript(`
local out = {}
local live = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local at = string.find(member, '\\0', 1, true)
  local alive = 0
  if at then
    local node = string.sub(member, 1, at - 1)
    if live[node] == nil then live[node] = redis.call('EXISTS', ARGV[1] .. node) end
    alive = live[node]
  end
  out[#out + 1] = member
  out[#out + 1] = alive
end
return out`);

export interface SharedGroupsOptions {
  nodeId: string;
  keys: RedisKeys;
  /** The bus's command connection (not the subscriber). */
  pub: Redis;
  report: (err: unknown) => void;
  /** How often this node sends its heartbeat (and refreshes its liveness key). */
  heartbeatMs: number;
  /** Silence after which another node counts as dead; also the TTL this node gives its liveness key. */
  deadAfterMs: number;
}

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
 * - A node clears its entries when it starts (left over from a crash) and when it closes.
 * - Dead nodes: every node sends a heartbeat frame every `heartbeatMs` (and refreshes its liveness key
 *   with a TTL of `deadAfterMs` in the same step). A node not heard for `deadAfterMs` (see NodeLiveness)
 *   is marked down in the table at once, so no message is routed or passed on to it any more, without a
 *   Redis round trip per message. Its entries in the shares set are then removed by a script that checks
 *   its liveness key has lapsed, atomically, and publishes a Gone frame on which every node drops them.
 *   Messages routed to it between its death and that moment reach nobody there.
 */
export class SharedGroups {
  readonly #table = new ShareTable();
  readonly #nodeId: string;
  readonly #keys: RedisKeys;
  readonly #pub: Redis;
  readonly #report: (err: unknown) => void;
  readonly #deadAfterMs: number;
  readonly #liveness: NodeLiveness;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #aliveFrame: Buffer;
  /** Dead nodes whose removal script is running. */
  readonly #removing = new Set<string>();
  /** Live frames seen before the snapshot was applied (`<node>\0<group>`, or the node id of a Reset). */
  #seen: Set<string> | undefined = new Set();

  constructor(options: SharedGroupsOptions) {
    this.#nodeId = options.nodeId;
    this.#keys = options.keys;
    this.#pub = options.pub;
    this.#report = options.report;
    this.#deadAfterMs = options.deadAfterMs;
    this.#liveness = new NodeLiveness(options.deadAfterMs, options.heartbeatMs);
    this.#aliveFrame = encodeShareFrame({ kind: ShareKind.Alive, sender: this.#nodeId, group: '' });
    // Whatever an earlier run of this node left behind is stale: its sessions announce again.
    this.#reset();
    this.#beat();
    this.#heartbeat = setInterval(() => {
      // While Redis is unreachable beats would only pile up in the offline queue.
      if (this.#pub.status === 'ready') this.#beat();
    }, options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Loads what other nodes announced before this one listened; call once subscribed to the frames. */
  async load(): Promise<void> {
    const keys = this.#keys;
    const reply = (await LOAD_SHARES.run(this.#pub, [keys.shares], [keys.nodePrefix])) as Array<
      string | number
    >;
    const seen = this.#seen;
    this.#seen = undefined;
    const now = Date.now();
    const lapsed = new Set<string>();
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const member = String(reply[i]);
      const at = member.indexOf(SEP);
      const node = member.slice(0, at);
      if (at < 0 || node === this.#nodeId || seen?.has(node) || seen?.has(member)) continue;
      this.#table.set(node, member.slice(at + 1), true);
      // A node that never beats again (its key still there) is dead one window from now.
      this.#liveness.track(node, now);
      if (reply[i + 1] === 0) lapsed.add(node);
    }
    // Dead before this node started: never picked; a heartbeat from it marks it up again.
    for (const node of lapsed) {
      this.#table.setDown(node, true);
      this.#removeDead(node);
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
    const { sender } = frame;
    if (sender === this.#nodeId) {
      if (frame.kind === ShareKind.Alive) this.#sweep(Date.now());
      // Found dead while only paused: the others dropped our groups, so announce them again.
      else if (frame.kind === ShareKind.Gone) this.announceAgain();
      return;
    }
    if (frame.kind === ShareKind.Reset || frame.kind === ShareKind.Gone) {
      this.#seen?.add(sender);
      this.#table.reset(sender);
      this.#liveness.forget(sender);
      return;
    }
    // Any other frame of a node shows it alive.
    this.#liveness.heard(sender, Date.now());
    this.#table.setDown(sender, false);
    if (frame.kind === ShareKind.Alive) return;
    this.#seen?.add(`${sender}${SEP}${frame.group}`);
    this.#table.set(sender, frame.group, frame.kind === ShareKind.Joined);
  }

  has(node: string, group: string): boolean {
    return this.#table.has(node, group);
  }

  /** Whether `node` is heard within the dead-after window and not marked down (this node always is). */
  isAlive(node: string): boolean {
    return node === this.#nodeId || (this.#liveness.isAlive(node) && !this.#table.isDown(node));
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

  /** Stops the heartbeat (the node closes, cleanly or not). */
  stop(): void {
    clearInterval(this.#heartbeat);
  }

  /** Refreshes the liveness key and tells every node, this one included, that this node is alive. */
  #beat(): void {
    this.#pub
      .multi()
      .set(this.#keys.node(this.#nodeId), '1', 'PX', this.#deadAfterMs)
      .publish(this.#keys.shareChannel, this.#aliveFrame)
      .exec()
      .catch((err: Error) => this.#report(err));
  }

  /**
   * Our own heartbeat came back: the moment to judge the others (see NodeLiveness). A silent node is
   * skipped from now on; its entries go once its liveness key has lapsed (retried every heartbeat).
   */
  #sweep(now: number): void {
    const liveness = this.#liveness;
    liveness.heardSelf(now);
    for (const node of liveness.silent()) {
      if (this.#table.groupsOf(node).length === 0) {
        liveness.forget(node);
        continue;
      }
      this.#table.setDown(node, true);
      this.#removeDead(node);
    }
  }

  #removeDead(node: string): void {
    if (this.#removing.has(node) || this.#pub.status !== 'ready') return;
    this.#removing.add(node);
    const keys = this.#keys;
    const gone = encodeShareFrame({ kind: ShareKind.Gone, sender: node, group: '' });
    REMOVE_DEAD.run(this.#pub, [keys.shares, keys.shareChannel, keys.node(node)], [`${node}${SEP}`, gone])
      .then((removed) => {
        // Nothing left in Redis (another node removed it, and its Gone frame is on its way or was
        // missed): drop it here too, unless it spoke up meanwhile.
        if (removed === 0 && this.#table.isDown(node)) {
          this.#table.reset(node);
          this.#liveness.forget(node);
        }
      })
      .catch((err: Error) => this.#report(err))
      .finally(() => this.#removing.delete(node));
  }

  /**
   * Announces every group of this node again (idempotent): after it was taken for dead, or when it may
   * have missed the notice that it was (its subscriber connection was down).
   */
  announceAgain(): void {
    for (const group of this.#table.groupsOf(this.#nodeId)) this.changed(group, true);
  }

  #reset(): void {
    const frame = encodeShareFrame({ kind: ShareKind.Reset, sender: this.#nodeId, group: '' });
    this.#pub
      .eval(RESET_SCRIPT, 2, this.#keys.shares, this.#keys.shareChannel, `${this.#nodeId}${SEP}`, frame)
      .catch((err: Error) => this.#report(err));
  }
}
