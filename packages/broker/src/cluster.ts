import type { Message } from './message.js';

/**
 * The `$share` groups one node serves for one routed message, when a cluster balances groups across
 * nodes: each group gets the message on one node only, so once per group cluster-wide.
 */
export interface SharedRoute {
  /** Full `$share/{name}/{filter}` of the groups this node delivers the message to; it skips the rest. */
  readonly groups: ReadonlySet<string>;
  /** Only `groups`: the other subscribers had the message already (a group passed on by another node). */
  readonly sharedOnly: boolean;
  /**
   * Groups this node serves only through a member whose client is connected: when all its members here
   * are away the group is returned unserved, so the bus can try a node with one connected, rather than
   * queue the message here. Other groups fall back to an away member's session, as on a single node.
   */
  readonly connectedOnly?: ReadonlySet<string>;
}

/**
 * This node's delivery. Without a route it serves every matching group it has members of (single
 * node); with one it returns the route's groups it found no member of, for the bus to pass on.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a delivery callback that returns nothing must stay assignable.
export type DeliverMessage = (message: Message, route?: SharedRoute) => readonly string[] | undefined | void;

/**
 * Where the router sends every accepted application message. A local bus hands it straight back to
 * this node's delivery; a cluster implementation (Redis pub/sub, say) sends it to every node, each of
 * which delivers to its own connected subscribers. Retained storage and sessions go through Persistence.
 */
export interface RouteBus {
  /** Sends a message to all nodes, this one included. */
  publish(message: Message): void;
  /** Registers this node's delivery function; called once by the broker. */
  onMessage(deliver: DeliverMessage): void;
  /**
   * Told when this node gains its first member of a `$share` group (`present` true) or loses its last
   * one, so a cluster can send each group's messages to one node that has members. Only a bus that
   * defines it costs the router the bookkeeping.
   */
  shareGroupChanged?(group: string, present: boolean): void;
  /** Announces that this node now owns a client's session, so other nodes drop their connection. */
  claimSession?(clientId: string): void;
  /**
   * Makes this node the holder of a client's session before CONNECT looks it up: a cluster moves it
   * here from the node holding it (that node drops its connection, its queued messages come along).
   * The CONNECT flow awaits a returned promise after authentication; return nothing when there is
   * nothing to wait for (the session is held here already), so the CONNECT goes on in the same tick.
   * A rejection refuses the CONNECT with 0x88 Server unavailable.
   */
  acquireSession?(clientId: string, cleanStart: boolean): Promise<void> | undefined;
  /** Registers the handler for another node claiming a session. */
  onSessionClaimed?(handler: (clientId: string) => void): void;
  close(): Promise<void>;
}

/** Single-node bus: delivery is a direct synchronous call. */
export class LocalRouteBus implements RouteBus {
  #deliver: DeliverMessage | undefined;

  publish(message: Message): void {
    this.#deliver?.(message);
  }

  onMessage(deliver: DeliverMessage): void {
    this.#deliver = deliver;
  }

  async close(): Promise<void> {
    this.#deliver = undefined;
  }
}
