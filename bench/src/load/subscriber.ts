import type { ClientConnection, PacketSink } from './client-connection.js';
import { nowNs } from './clock.js';
import type { ErrorLog } from './error-log.js';
import { type HistogramData, recordLatency } from './histogram.js';
import type { SequenceTracker } from './sequence-tracker.js';
import type { SharedState } from './shared-state.js';
import type { QoS } from './wire.js';
import { PacketType, PUBLISHER_OFFSET, SEQ_OFFSET, TS_OFFSET } from './wire.js';

/** Counters shared by the subscribers of one worker. */
export interface ReceiveStats {
  received: number;
  receivedInWindow: number;
  readonly perSecond: number[];
  readonly histogram: HistogramData;
  windowStartNs: number;
  windowEndNs: number;
}

/**
 * Reads deliveries: acks them, records the sequence number on the route's
 * tracker and, inside the measured window, counts and times them.
 */
export class Subscriber implements PacketSink {
  received = 0;
  /** Inbound QoS 2 packet ids awaiting PUBREL. */
  readonly #awaitingRelease: Uint8Array;
  #now = 0;
  #progressed = false;

  constructor(
    readonly connection: ClientConnection,
    readonly index: number,
    readonly qos: QoS,
    readonly payload: number,
    /** Track index for a delivery from `publisher`, or -1 when it should not reach this subscriber. */
    readonly route: (subscriber: number, publisher: number) => number,
    readonly trackers: SequenceTracker[],
    readonly shared: SharedState,
    readonly stats: ReceiveStats,
    readonly errors: ErrorLog,
  ) {
    this.#awaitingRelease = new Uint8Array(qos === 2 ? 65_536 : 0);
  }

  beforeRead(): void {
    this.#now = nowNs();
  }

  onPacket(data: Buffer, firstByte: number, bodyStart: number, bodyLength: number): void {
    const type = firstByte >> 4;
    if (type === PacketType.PUBLISH) {
      this.#onPublish(data, firstByte, bodyStart, bodyLength);
      return;
    }
    if (type === PacketType.PUBREL && bodyLength >= 2) {
      const id = data.readUInt16BE(bodyStart);
      if (this.#awaitingRelease[id] !== 1) this.errors.add('PUBREL for unknown packet id');
      else {
        this.#awaitingRelease[id] = 0;
        this.shared.addQos2Pending(-1);
      }
      this.connection.queueAck(PacketType.PUBCOMP, id);
      return;
    }
    if (type === PacketType.PINGRESP) return;
    if (type === PacketType.DISCONNECT) this.errors.add('DISCONNECT from broker');
    else this.errors.add(`unexpected packet type ${type} on a subscriber`);
  }

  #onPublish(data: Buffer, firstByte: number, bodyStart: number, bodyLength: number): void {
    const qos = (firstByte >> 1) & 3;
    const end = bodyStart + bodyLength;
    let offset = bodyStart + 2 + data.readUInt16BE(bodyStart);
    if (qos > 0) {
      const id = data.readUInt16BE(offset);
      offset += 2;
      if (qos === 1) this.connection.queueAck(PacketType.PUBACK, id);
      else {
        if (this.#awaitingRelease[id] === 1) {
          if ((firstByte & 0x08) === 0)
            this.errors.add('QoS 2 PUBLISH reused a pending packet id without DUP');
        } else {
          this.#awaitingRelease[id] = 1;
          this.shared.addQos2Pending(1);
        }
        this.connection.queueAck(PacketType.PUBREC, id);
      }
    }
    if (qos !== this.qos) this.errors.add(`delivered QoS ${qos} != subscribed QoS ${this.qos}`);
    this.received++;
    const stats = this.stats;
    stats.received++;
    if (end - offset !== this.payload) {
      this.errors.add(`payload length ${end - offset} != ${this.payload}`);
      if (end - offset < SEQ_OFFSET + 4) return;
    }
    const sentAt = data.readDoubleLE(offset + TS_OFFSET);
    const publisher = data.readUInt32LE(offset + PUBLISHER_OFFSET);
    const seq = data.readUInt32LE(offset + SEQ_OFFSET);
    const track = this.route(this.index, publisher);
    if (track < 0) {
      this.errors.add(`misrouted message: publisher ${publisher} -> subscriber ${this.index}`);
      return;
    }
    const tracker = this.trackers[track]!;
    if (tracker.see(seq)) {
      this.shared.setTrackNext(track, tracker.next);
      this.shared.setTrackUnique(track, tracker.unique);
      this.#progressed = true;
    }
    const now = this.#now;
    if (now >= stats.windowStartNs && now < stats.windowEndNs) {
      stats.receivedInWindow++;
      const second = Math.floor((now - stats.windowStartNs) / 1e9);
      if (second < stats.perSecond.length) stats.perSecond[second]!++;
      if (sentAt <= now) recordLatency(stats.histogram, now - sentAt);
      else this.errors.add('timestamp from the future');
    }
  }

  afterRead(): void {
    if (this.#progressed) {
      this.#progressed = false;
      this.shared.signalProgress();
    }
  }
}
