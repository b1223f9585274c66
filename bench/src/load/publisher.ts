import type { ClientConnection, PacketSink } from './client-connection.js';
import { nowNs } from './clock.js';
import type { ErrorLog } from './error-log.js';
import type { FlowControl } from './messages.js';
import type { SharedState } from './shared-state.js';
import type { PublishTemplate, QoS } from './wire.js';
import { PacketType, publishTemplate, SEQ_OFFSET, TS_OFFSET } from './wire.js';

/** Bytes a publisher may have queued in user space before waiting for 'drain'. */
const WRITE_HIGH_WATER = 64 * 1024;

const FREE = 0;
const AWAIT_ACK = 1;
const AWAIT_COMP = 2;

export interface PublisherTiming {
  startNs: number;
  endNs: number;
  running: boolean;
}

/**
 * Sends copies of one pre-encoded PUBLISH as fast as the flow control allows
 * (or at a fixed rate), patching only packet id, timestamp and sequence.
 */
export class Publisher implements PacketSink {
  sent = 0;
  acked = 0;
  #inflight = 0;
  #nextId = 1;
  #gated = false;
  #blocked = false;
  readonly #ids: Uint8Array;
  readonly #template: PublishTemplate;
  readonly #qos: QoS;
  readonly #phaseNs: number;

  constructor(
    readonly connection: ClientConnection,
    readonly index: number,
    topic: string,
    qos: QoS,
    payload: number,
    readonly rate: number,
    publishers: number,
    readonly flow: FlowControl,
    readonly shared: SharedState,
    readonly floor: (publisher: number) => number,
    readonly timing: PublisherTiming,
    readonly errors: ErrorLog,
  ) {
    this.#qos = qos;
    this.#template = publishTemplate(topic, qos, payload, index);
    this.#ids = new Uint8Array(qos > 0 ? 65_536 : 0);
    // Paced publishers are phase-shifted so that they do not fire in lockstep.
    this.#phaseNs = rate > 0 ? (index / publishers / rate) * 1e9 : 0;
    connection.socket.on('drain', () => {
      this.#blocked = false;
      this.pump();
    });
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Next time (ns) a paced publisher has something to send. */
  nextDueNs(): number {
    return this.timing.startNs + this.#phaseNs + (this.sent * 1e9) / this.rate;
  }

  /** Sends what the limits allow, in one write. */
  pump(): void {
    const timing = this.timing;
    if (!timing.running || this.#blocked || this.connection.state !== 'ready') return;
    const flow = this.flow;
    const qos = this.#qos;
    const floor = flow.window > 0 ? this.floor(this.index) : 0;
    if (this.#gated) {
      // Hysteresis: resume only when a good part of the window is free again.
      const inflightResume = flow.inflight - Math.ceil((flow.inflight * flow.resumePct) / 100);
      const windowResume = flow.window - Math.ceil((flow.window * flow.resumePct) / 100);
      if (qos > 0 && this.#inflight > inflightResume) return;
      if (flow.window > 0 && this.sent - floor > windowResume) return;
      this.#gated = false;
    }
    // The clock is read only once a publisher may send: most wake-ups end above.
    const now = nowNs();
    if (now >= timing.endNs) return;
    let allowed = Number.POSITIVE_INFINITY;
    if (this.rate > 0) {
      const start = timing.startNs + this.#phaseNs;
      allowed = now < start ? 0 : Math.floor(((now - start) * this.rate) / 1e9) + 1;
    }
    const template = this.#template;
    const size = template.bytes.length;
    const room = WRITE_HIGH_WATER - this.connection.socket.writableLength;
    let count = Math.max(1, Math.floor(room / size));
    if (room <= 0) count = 0;
    count = Math.min(count, allowed - this.sent);
    if (qos > 0 && flow.inflight - this.#inflight <= count) {
      count = flow.inflight - this.#inflight;
      this.#gated = true;
    }
    if (flow.window > 0 && floor + flow.window - this.sent <= count) {
      count = floor + flow.window - this.sent;
      this.#gated = true;
    }
    if (count <= 0) return;
    const out = Buffer.allocUnsafe(count * size);
    const payloadOffset = template.payloadOffset;
    const idOffset = template.packetIdOffset;
    for (let i = 0, offset = 0; i < count; i++, offset += size) {
      template.bytes.copy(out, offset);
      if (qos > 0) {
        const id = this.#takeId();
        out[offset + idOffset] = id >> 8;
        out[offset + idOffset + 1] = id & 0xff;
      }
      out.writeDoubleLE(now, offset + payloadOffset + TS_OFFSET);
      out.writeUInt32LE(this.sent >>> 0, offset + payloadOffset + SEQ_OFFSET);
      this.sent++;
    }
    this.shared.setPublisherSent(this.index, this.sent);
    if (qos > 0) this.shared.setPublisherInflight(this.index, this.#inflight);
    if (!this.connection.socket.write(out)) this.#blocked = true;
  }

  #takeId(): number {
    let id = this.#nextId;
    while (this.#ids[id] !== FREE) id = id === 65_535 ? 1 : id + 1;
    this.#ids[id] = AWAIT_ACK;
    this.#nextId = id === 65_535 ? 1 : id + 1;
    this.#inflight++;
    return id;
  }

  #release(id: number): void {
    this.#ids[id] = FREE;
    this.#inflight--;
    this.acked++;
  }

  onPacket(data: Buffer, firstByte: number, bodyStart: number, bodyLength: number): void {
    const type = firstByte >> 4;
    const id = bodyLength >= 2 ? data.readUInt16BE(bodyStart) : 0;
    const state = this.#ids.length ? this.#ids[id] : undefined;
    switch (type) {
      case PacketType.PUBACK:
        if (this.#qos !== 1 || state !== AWAIT_ACK) this.errors.add('unexpected PUBACK');
        else this.#release(id);
        return;
      case PacketType.PUBREC:
        if (this.#qos !== 2 || state !== AWAIT_ACK) {
          this.errors.add('unexpected PUBREC');
          return;
        }
        this.#ids[id] = AWAIT_COMP;
        this.connection.queueAck(PacketType.PUBREL, id);
        return;
      case PacketType.PUBCOMP:
        if (this.#qos !== 2 || state !== AWAIT_COMP) this.errors.add('unexpected PUBCOMP');
        else this.#release(id);
        return;
      case PacketType.PINGRESP:
        return;
      case PacketType.DISCONNECT:
        this.errors.add('DISCONNECT from broker');
        return;
      default:
        this.errors.add(`unexpected packet type ${type} on a publisher`);
    }
  }

  afterRead(): void {
    if (this.#qos > 0) this.shared.setPublisherInflight(this.index, this.#inflight);
    // Acks go out before new PUBLISHes so PUBREL is not stuck behind a batch.
    this.connection.flushAcks();
    this.pump();
  }
}
