import { randomUUID } from 'node:crypto';
import type { Broker, Message, RouteBus } from '@mq/broker';
import type { Redis } from 'ioredis';
import {
  type ClaimFrame,
  ClaimKind,
  decodeClaimFrame,
  decodeMessageFrame,
  encodeClaimFrame,
  encodeMessageFrame,
} from './frames.js';
import { DEFAULT_PREFIX, type RedisKeys, redisKeys } from './keys.js';
import { RedisPersistence } from './persistence.js';
import { closeClient, openClient, type RedisConnection } from './redis-client.js';
import { SessionHandoff } from './session-handoff.js';
import { SharedGroups } from './shared-groups.js';

type DeliverMessage = Parameters<RouteBus['onMessage']>[0];

export interface RedisRouteBusOptions {
  /** An ioredis client (left open by close()), a redis:// URL or ioredis options. Default redis://127.0.0.1:6379. */
  redis?: RedisConnection;
  /** Prefix of the pub/sub channels (and, after attach, must equal the persistence's). Default 'mq:'. */
  prefix?: string;
  /** This node's id, unique in the cluster. Default a random UUID. */
  nodeId?: string;
  /** How long a CONNECT waits for the node holding the session to release it. Default 3000 ms. */
  handoffTimeoutMs?: number;
  /** How often this node sends its heartbeat and refreshes its liveness key. Default 1000 ms. */
  heartbeatMs?: number;
  /**
   * Silence after which another node counts as dead: no shared group is routed to it any more, and its
   * group entries are removed once its liveness key (which lives this long) has lapsed. At least
   * 4 × heartbeatMs. Default 5000 ms.
   */
  deadAfterMs?: number;
  /** Called with errors no caller can receive (a failed PUBLISH, a bad frame). Default: the broker's logger after attach(), else console.error. */
  onError?: (error: Error) => void;
}

type BusState = 'open' | 'closed';

/**
 * Cluster route bus over Redis pub/sub. Every accepted message goes to one channel as a compact
 * binary frame carrying the sender's node id, and every node, the sender included, hands the frames
 * it receives to its router.
 *
 * A node delivers its own messages only from their echo, never also at publish time, so each is
 * delivered once per node. Echo-only delivery costs local subscribers one Redis round trip (and
 * nothing is delivered while Redis is unreachable), but it gives every node the same order of
 * messages and claim frames, which is what makes a session hand-off lose and duplicate nothing
 * (see SessionHandoff).
 *
 * Session claims travel on a second channel. `attach(broker, persistence)` adds the session hand-off between nodes
 * (see SessionHandoff); without it a claim only drops the other node's connection.
 *
 * Shared subscriptions: a message frame names, for each `$share` group matching it, the one node that
 * serves that group, so each group gets each message once cluster-wide (see SharedGroups). Every node
 * sends a heartbeat every `heartbeatMs`; a node silent for `deadAfterMs` is no longer picked for any group,
 * and its group entries are removed once its liveness key has lapsed.
 */
export class RedisRouteBus implements RouteBus {
  readonly nodeId: string;
  readonly #keys: RedisKeys;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #ownsPub: boolean;
  readonly #handoffTimeoutMs: number;
  readonly #ready: Promise<void>;
  readonly #pending = new Map<number, () => void>();
  #onError: ((error: Error) => void) | undefined;
  readonly #groups: SharedGroups;
  #deliver: DeliverMessage | undefined;
  #claimed: ((clientId: string) => void) | undefined;
  #handoff: SessionHandoff | undefined;
  #persistence: RedisPersistence | undefined;
  #state: BusState = 'open';
  #nextRequest = 1;
  #closing: Promise<void> | undefined;

  constructor(options: RedisRouteBusOptions = {}) {
    checkLiveness(options);
    this.nodeId = options.nodeId ?? randomUUID();
    this.#keys = redisKeys(options.prefix ?? DEFAULT_PREFIX);
    this.#handoffTimeoutMs = options.handoffTimeoutMs ?? 3000;
    this.#onError = options.onError;
    const { redis, owned } = openClient(options.redis);
    this.#pub = redis;
    this.#ownsPub = owned;
    // A subscribed connection can do nothing else: always a second one of our own.
    this.#sub = redis.duplicate();
    // Without a listener ioredis prints every reconnect failure as an unhandled error event.
    this.#sub.on('error', (err: Error) => this.#report(err));
    if (owned) redis.on('error', (err: Error) => this.#report(err));
    this.#sub.on('messageBuffer', (channel: Buffer, data: Buffer) => this.#onFrame(channel, data));
    let connects = 0;
    this.#sub.on('ready', () => {
      // Reconnected: a notice that this node was taken for dead may have gone by meanwhile.
      if (connects++ > 0 && this.#state === 'open') this.#groups.announceAgain();
    });
    const heartbeatMs = options.heartbeatMs ?? 1000;
    const deadAfterMs = options.deadAfterMs ?? 5000;
    this.#groups = new SharedGroups({
      nodeId: this.nodeId,
      keys: this.#keys,
      pub: redis,
      report: (err) => this.#report(err),
      heartbeatMs,
      deadAfterMs,
    });
    const keys = this.#keys;
    // Subscribed before loading the group table, so no membership change falls in between.
    this.#ready = this.#sub
      .subscribe(keys.busChannel, keys.claimChannel, keys.shareChannel)
      .then(() => this.#groups.load());
    this.#ready.catch((err: Error) => this.#report(err));
  }

  /** Resolves once this node receives what other nodes publish and knows their shared groups. */
  ready(): Promise<void> {
    return this.#ready;
  }

  publish(message: Message): void {
    if (this.#state === 'closed') return;
    let frame: Buffer;
    try {
      frame = encodeMessageFrame(this.nodeId, message, this.#groups.routeFor(message.topic));
    } catch (err) {
      this.#report(err);
      return;
    }
    this.#pub.publish(this.#keys.busChannel, frame).catch((err: Error) => this.#report(err));
  }

  onMessage(deliver: DeliverMessage): void {
    this.#deliver = deliver;
  }

  /** Whether this node hears `nodeId`'s heartbeats within `deadAfterMs` (for diagnostics). */
  isNodeAlive(nodeId: string): boolean {
    return this.#groups.isAlive(nodeId);
  }

  /** Whether this node believes `nodeId` has members of the `$share/...` group (for diagnostics). */
  hasGroupMembers(nodeId: string, group: string): boolean {
    return this.#groups.has(nodeId, group);
  }

  shareGroupChanged(group: string, present: boolean): void {
    if (this.#state === 'closed') return;
    this.#groups.changed(group, present);
  }

  claimSession(clientId: string): void {
    if (this.#state === 'closed') return;
    this.#persistence?.setOwner(clientId).catch((err: Error) => this.#report(err));
    this.#sendClaim({ kind: ClaimKind.Claimed, target: '', clientId, requestId: 0, cleanStart: false });
  }

  onSessionClaimed(handler: (clientId: string) => void): void {
    this.#claimed = handler;
  }

  /** Awaited by the broker's CONNECT: brings the session here from the node holding it (after attach()). */
  acquireSession(clientId: string, cleanStart: boolean): Promise<void> | undefined {
    if (this.#state === 'closed') return undefined;
    return this.#handoff?.beforeConnect(clientId, cleanStart);
  }

  /**
   * Lets sessions move between nodes: call after createBroker() and before listen(), with the
   * RedisPersistence given to that broker (the broker may wrap it, so it is passed here, not looked
   * up). The persistence joins the cluster under this node id, and the broker's CONNECT then awaits
   * acquireSession() to hand sessions over before the session is looked up.
   */
  attach(broker: Broker, persistence: RedisPersistence): this {
    if (!(persistence instanceof RedisPersistence)) {
      throw new TypeError('RedisRouteBus.attach needs the RedisPersistence the broker was created with');
    }
    if (this.#handoff) throw new Error('RedisRouteBus is already attached to a broker');
    this.#persistence = persistence;
    this.#handoff = new SessionHandoff(broker, persistence, (owner, clientId, cleanStart) =>
      this.#requestRelease(owner, clientId, cleanStart),
    );
    this.#onError ??= (err) => broker.logger.error({ err }, 'redis route bus');
    const logPersistence = (err: Error) => broker.logger.error({ err }, 'redis persistence');
    // The liveness key is the bus's: its heartbeat refreshes it with the dead-after window as TTL.
    persistence
      .joinCluster(this.nodeId, logPersistence, { heartbeat: false })
      .catch((err: Error) => this.#report(err));
    return this;
  }

  /** Idempotent: stops delivery at once, settles waiting hand-offs, ends the connections it opened. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closed';
    this.#deliver = undefined;
    this.#claimed = undefined;
    for (const settle of [...this.#pending.values()]) settle();
    this.#groups.stop();
    // Sent before QUIT, which waits for it; skipped when Redis is unreachable.
    if (this.#pub.status === 'ready') this.#groups.leave();
    // Not waiting for the subscription: with Redis unreachable it may never settle.
    await closeClient(this.#sub);
    if (this.#ownsPub) await closeClient(this.#pub);
  }

  #requestRelease(owner: string, clientId: string, cleanStart: boolean): Promise<void> {
    const requestId = this.#nextRequest++;
    return new Promise<void>((resolve) => {
      // A node that died without its heartbeat lapsing yet never answers: go on after the timeout.
      const settle = () => {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        resolve();
      };
      const timer = setTimeout(settle, this.#handoffTimeoutMs);
      this.#pending.set(requestId, settle);
      this.#sendClaim({ kind: ClaimKind.Release, target: owner, clientId, requestId, cleanStart });
    });
  }

  #sendClaim(frame: Omit<ClaimFrame, 'sender'>): void {
    const bytes = encodeClaimFrame({ ...frame, sender: this.nodeId });
    this.#pub.publish(this.#keys.claimChannel, bytes).catch((err: Error) => this.#report(err));
  }

  #onFrame(channel: Buffer, data: Buffer): void {
    if (this.#state === 'closed') return;
    try {
      const name = channel.toString();
      if (name === this.#keys.busChannel) this.#onMessageFrame(data);
      else if (name === this.#keys.claimChannel) this.#onClaimFrame(decodeClaimFrame(data));
      else if (name === this.#keys.shareChannel) this.#groups.onFrame(data);
    } catch (err) {
      this.#report(err);
    }
  }

  #onMessageFrame(data: Buffer): void {
    const frame = decodeMessageFrame(data);
    const route = this.#groups.localRoute(frame.route);
    // Groups passed on to another node: nothing for this one.
    if (route === undefined) return;
    const message = frame.message();
    // A hand-off replays what the session's own subscriptions missed, never a group passed on.
    if (route === null || !route.sharedOnly) this.#handoff?.observe(message);
    const missed = route === null ? this.#deliver?.(message) : this.#deliver?.(message, route);
    if (!missed || missed.length === 0) return;
    const passed = this.#groups.passOn(message, frame.route, missed);
    if (passed) this.#pub.publish(this.#keys.busChannel, passed).catch((err: Error) => this.#report(err));
  }

  #onClaimFrame(frame: ClaimFrame): void {
    if (frame.sender === this.nodeId) {
      // Our Release frame is the cut: the releasing node drops the session when it reads this frame.
      if (frame.kind === ClaimKind.Release) this.#handoff?.record(frame.clientId);
      return;
    }
    if (frame.target !== '' && frame.target !== this.nodeId) return;
    switch (frame.kind) {
      case ClaimKind.Claimed:
        this.#claimed?.(frame.clientId);
        this.#handoff?.evict(frame.clientId);
        return;
      case ClaimKind.Release: {
        this.#claimed?.(frame.clientId);
        const released = this.#handoff?.release(frame.clientId, frame.cleanStart) ?? Promise.resolve();
        released
          .catch((err: Error) => this.#report(err))
          .finally(() => {
            const { clientId, requestId } = frame;
            const reply = { kind: ClaimKind.Released, target: frame.sender, clientId, requestId };
            this.#sendClaim({ ...reply, cleanStart: false });
          });
        return;
      }
      case ClaimKind.Released:
        this.#pending.get(frame.requestId)?.();
        return;
    }
  }

  #report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.#onError) this.#onError(error);
    else console.error('@mq/redis route bus:', error);
  }
}

/**
 * Both periods must be positive, and the window must hold four heartbeats: a node that misses one or
 * two (jitter, a short outage of the observer's own view) is not taken for dead (see NodeLiveness).
 */
function checkLiveness(options: RedisRouteBusOptions): void {
  const { heartbeatMs = 1000, deadAfterMs = 5000 } = options;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) {
    throw new RangeError(`heartbeatMs must be a positive number of milliseconds, got ${heartbeatMs}`);
  }
  if (!Number.isFinite(deadAfterMs) || deadAfterMs < 4 * heartbeatMs) {
    throw new RangeError(
      `deadAfterMs must be at least 4 × heartbeatMs (${4 * heartbeatMs}), got ${deadAfterMs}`,
    );
  }
}
