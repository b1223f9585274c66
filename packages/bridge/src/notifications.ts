import type { Broker, Message as LocalMessage } from '@mq/broker';
import type { MqttClient, WillOptions } from '@mq/client';

/** Mosquitto's `notifications`: the bridge's connection state as a retained '1' / '0'. */
export interface NotificationOptions {
  /** Default `$SYS/broker/connection/<clientId>/state`, as Mosquitto names it. */
  topic?: string;
  /** Also publish on the remote, with a will of '0' for a lost connection. Default true. */
  remote?: boolean;
}

const encoder = new TextEncoder();
const UP = encoder.encode('1');
const DOWN = encoder.encode('0');

/**
 * Publishes '1' when the bridge connects and '0' when it disconnects, retained, on the local broker
 * and (unless `remote: false`) on the remote, where a will says '0' if the connection dies unannounced.
 */
export class Notifier {
  readonly topic: string;
  readonly #remote: boolean;
  readonly #broker: Broker;
  readonly #markInjected: (message: LocalMessage) => void;
  #localState: '1' | '0' | undefined;

  constructor(
    broker: Broker,
    clientId: string,
    options: NotificationOptions,
    markInjected: (message: LocalMessage) => void,
  ) {
    this.topic = options.topic ?? `$SYS/broker/connection/${clientId}/state`;
    this.#remote = options.remote ?? true;
    this.#broker = broker;
    this.#markInjected = markInjected;
  }

  /** The will to connect with, when remote notifications are on. */
  will(): WillOptions | undefined {
    return this.#remote ? { topic: this.topic, payload: DOWN, qos: 1, retain: true } : undefined;
  }

  connected(client: MqttClient): void {
    this.#local('1');
    if (this.#remote) client.publish(this.topic, UP, { qos: 1, retain: true }).catch(() => {});
  }

  disconnected(): void {
    this.#local('0');
  }

  /** A graceful stop sends DISCONNECT, which suppresses the will: say '0' first. */
  stopping(client: MqttClient): void {
    this.#local('0');
    if (this.#remote && client.state === 'connected') {
      client.publish(this.topic, DOWN, { qos: 1, retain: true }).catch(() => {});
    }
  }

  #local(state: '1' | '0'): void {
    if (this.#localState === state) return;
    this.#localState = state;
    const message: LocalMessage = {
      topic: this.topic,
      payload: state === '1' ? UP : DOWN,
      qos: 1,
      retain: true,
    };
    // Never forwarded by an out mapping: it describes this bridge, not the local side.
    this.#markInjected(message);
    try {
      this.#broker.publishMessage(message);
    } catch {
      // The broker is already closed: nobody is left to tell.
    }
  }
}
