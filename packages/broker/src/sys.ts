import type { Message } from './message.js';
import type { BrokerStats } from './stats.js';

export interface SysSource {
  stats: BrokerStats;
  version: string;
  /** Set in a cluster: this node's topics go under $SYS/brokers/<nodeId>/ so nodes do not overwrite each other. */
  nodeId?: string;
  sessionCount(): number;
  subscriptionCount(): number;
  retainedCount(): Promise<number>;
}

/** Topic -> value, in the style of Mosquitto's $SYS/broker tree (per node: $SYS/brokers/<nodeId>). */
export async function sysValues(source: SysSource, now: number): Promise<Array<[string, string]>> {
  const s = source.stats;
  const values: Array<[string, string]> = [
    ['$SYS/broker/version', source.version],
    ['$SYS/broker/uptime', `${Math.floor((now - s.startedAt) / 1000)} seconds`],
    ['$SYS/broker/clients/connected', String(s.clientsConnected)],
    ['$SYS/broker/clients/maximum', String(s.clientsMaximum)],
    ['$SYS/broker/clients/total', String(source.sessionCount())],
    ['$SYS/broker/clients/disconnected', String(Math.max(0, source.sessionCount() - s.clientsConnected))],
    ['$SYS/broker/messages/received', String(s.messagesReceived)],
    ['$SYS/broker/messages/sent', String(s.messagesSent)],
    ['$SYS/broker/publish/messages/received', String(s.publishReceived)],
    ['$SYS/broker/publish/messages/sent', String(s.publishSent)],
    ['$SYS/broker/publish/messages/dropped', String(s.qos0Dropped + s.queueDropped + s.oversizeDropped)],
    ['$SYS/broker/bytes/received', String(s.bytesReceived)],
    ['$SYS/broker/bytes/sent', String(s.bytesSent)],
    ['$SYS/broker/subscriptions/count', String(source.subscriptionCount())],
    ['$SYS/broker/retained messages/count', String(await source.retainedCount())],
  ];
  if (source.nodeId === undefined) return values;
  const prefix = `$SYS/brokers/${source.nodeId}/`;
  return values.map(([topic, value]) => [prefix + topic.slice('$SYS/broker/'.length), value]);
}

const encoder = new TextEncoder();

/** Publishes the $SYS tree as retained QoS 0 messages now and every `intervalMs`. */
export class SysPublisher {
  #timer: NodeJS.Timeout | undefined;
  readonly #source: SysSource;
  readonly #publish: (message: Message) => void;

  constructor(source: SysSource, publish: (message: Message) => void) {
    this.#source = source;
    this.#publish = publish;
  }

  start(intervalMs: number): void {
    void this.publishNow();
    this.#timer = setInterval(() => void this.publishNow(), intervalMs);
    this.#timer.unref();
  }

  async publishNow(): Promise<void> {
    for (const [topic, value] of await sysValues(this.#source, Date.now())) {
      this.#publish({ topic, payload: encoder.encode(value), qos: 0, retain: true });
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
