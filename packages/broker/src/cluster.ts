import type { Message } from './message.js';

/**
 * Where the router sends every accepted application message. A local bus hands it straight back to
 * this node's delivery; a cluster implementation (Redis pub/sub, say) sends it to every node, each of
 * which delivers to its own connected subscribers. Retained storage and sessions go through Persistence.
 */
export interface RouteBus {
  /** Sends a message to all nodes, this one included. */
  publish(message: Message): void;
  /** Registers this node's delivery function; called once by the broker. */
  onMessage(deliver: (message: Message) => void): void;
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
  #deliver: ((message: Message) => void) | undefined;

  publish(message: Message): void {
    this.#deliver?.(message);
  }

  onMessage(deliver: (message: Message) => void): void {
    this.#deliver = deliver;
  }

  async close(): Promise<void> {
    this.#deliver = undefined;
  }
}
