import type { Broker, StoredSession } from '@mq/broker';
import type { RedisPersistence } from './persistence.js';

/** Session Expiry Interval meaning "never expires". */
const NEVER_EXPIRES = 0xffffffff;

/** What createSession reads from a connection: only its protocol version. */
type SessionOwner = Parameters<Broker['createSession']>[1];

export type RequestRelease = (owner: string, clientId: string, cleanStart: boolean) => Promise<void>;

function isExpired(stored: StoredSession, now: number): boolean {
  if (stored.expiryInterval === NEVER_EXPIRES || stored.disconnectedAt === undefined) return false;
  return stored.disconnectedAt + stored.expiryInterval * 1000 <= now;
}

/**
 * Moves a session between broker nodes. The broker keeps sessions in memory and only loads them from
 * persistence at start, so this works through the broker's public members (sessions, router, wills,
 * createSession, endSession) until the broker grows a cluster hook of its own:
 *
 * - before a CONNECT attaches a session (run from the authenticate hook), the node asks the live node
 *   holding it to release it and waits for the reply, then loads it from Redis into its own memory;
 * - the releasing node drops the connection (DISCONNECT 0x8E), forgets the session without deleting
 *   it, and replies only after Redis has applied all its writes for it, so nothing queued is lost.
 */
export class SessionHandoff {
  readonly #broker: Broker;
  readonly #persistence: RedisPersistence;
  readonly #requestRelease: RequestRelease;

  constructor(broker: Broker, persistence: RedisPersistence, requestRelease: RequestRelease) {
    this.#broker = broker;
    this.#persistence = persistence;
    this.#requestRelease = requestRelease;
  }

  /** Makes this node the holder of the client's session before the broker attaches it. */
  async beforeConnect(clientId: string, cleanStart: boolean): Promise<void> {
    const broker = this.#broker;
    const persistence = this.#persistence;
    // Held here already: the broker resumes or discards it itself.
    if (broker.sessions.has(clientId)) return;
    const owner = await persistence.liveOwner(clientId);
    if (owner !== undefined && owner !== persistence.nodeId) {
      await this.#requestRelease(owner, clientId, cleanStart);
    }
    // Clean Start discards whatever was stored [MQTT-3.1.2-4]; otherwise the session resumes here.
    if (cleanStart) await persistence.deleteSession(clientId);
    else await this.#load(clientId);
    await persistence.setOwner(clientId);
  }

  /** Another node takes the session: drop it here (its state is already in Redis), then flush. */
  async release(clientId: string, cleanStart: boolean): Promise<void> {
    const session = this.#broker.sessions.get(clientId);
    if (session && session.target === undefined) {
      if (cleanStart) this.#broker.endSession(session);
      else this.evict(clientId);
    }
    await this.#persistence.flush();
  }

  /** Forgets a disconnected session held in memory without touching what is stored. */
  evict(clientId: string): void {
    const broker = this.#broker;
    const session = broker.sessions.get(clientId);
    if (!session || session.target !== undefined) return;
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    broker.sessions.delete(clientId);
    broker.router.removeAll(clientId);
    // The session lives on elsewhere, so a delayed will is not sent [MQTT-3.1.3-9].
    broker.wills.cancel(clientId);
    session.clearMessages();
  }

  async #load(clientId: string): Promise<void> {
    const persistence = this.#persistence;
    const stored = await persistence.getSession(clientId);
    if (!stored) return;
    if (isExpired(stored, Date.now())) {
      await persistence.deleteSession(clientId);
      return;
    }
    const [outgoing, incomingQos2] = await Promise.all([
      persistence.listOutgoing(clientId),
      persistence.listIncomingQos2(clientId),
    ]);
    const broker = this.#broker;
    if (broker.sessions.has(clientId)) return;
    // createSession only reads the protocol version of the connection it is given.
    const owner = { protocolVersion: stored.protocolVersion } as unknown as SessionOwner;
    const session = broker.createSession(clientId, owner, stored.expiryInterval);
    session.restore(outgoing, incomingQos2);
    session.disconnectedAt = stored.disconnectedAt ?? Date.now();
    for (const sub of stored.subscriptions) {
      session.subscriptions.set(sub.topicFilter, sub);
      broker.router.subscribe(clientId, sub);
    }
  }
}
