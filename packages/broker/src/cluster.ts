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
