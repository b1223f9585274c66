import {
  encodePacket,
  MqttProtocolError,
  type Packet,
  PacketDecoder,
  type ProtocolVersion,
  REASON_CODES_BY_PACKET,
  ReasonCode,
} from '@mq/codec';
import type { BrokerContext } from './context.js';
import { Fifo } from './fifo.js';
import { dispatch } from './handlers/index.js';
import { type ByteChannel, type ChannelSink, toByteChannel } from './listeners/channel.js';
import type { AcceptedTransport } from './listeners/types.js';
import type { Delivery, Message } from './message.js';
import { copyWithPacketId, deliveryTemplate, encodeDelivery, packetIdOffset } from './outgoing.js';
import { OutputBatch } from './output-batch.js';
import type { DeliveryTarget, Session } from './session.js';
import { keepAliveClock, refreshClock, SWEEP_TICK_MS, type Swept } from './sweeper.js';
import type { InboundAliases, OutboundAliases } from './topic-alias.js';

export type ConnectionState = 'awaiting-connect' | 'connected' | 'closing' | 'closed';

/** Why a connection ended, as reported in the 'clientDisconnect' event. */
export interface DisconnectInfo {
  /** 'client': DISCONNECT received; 'server': the broker closed it; 'network': the socket went away. */
  by: 'client' | 'server' | 'network';
  reasonCode: number;
  error?: Error;
}

/** A will held by a live connection, with its delay. */
export interface PendingWill {
  message: Message;
  delaySeconds: number;
  /** Message Expiry Interval, applied when the will is published. */
  expirySeconds?: number;
}

/** Reason codes a CONNACK may carry. */
const CONNACK_CODES = new Set<number>(REASON_CODES_BY_PACKET.connack);

/** Reason codes a server may put in DISCONNECT (others are mapped to Unspecified error). */
const SERVER_DISCONNECT_CODES = new Set<number>([
  0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
  0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);

/**
 * One client connection: decodes inbound bytes into packets handled one at a time (async hooks keep
 * their order), and writes outbound packets batched: what a read chunk causes is written when the chunk
 * is handled, anything else on the next tick.
 */
export class Connection implements DeliveryTarget, Swept, ChannelSink {
  state: ConnectionState = 'awaiting-connect';
  readonly transport: AcceptedTransport;
  readonly ctx: BrokerContext;
  protocolVersion: ProtocolVersion = 4;
  clientId = '';
  username: string | undefined;
  session: Session | undefined;
  will: PendingWill | undefined;
  /** Negotiated at CONNECT (0: none); the sweep closes a client silent for 1.5 times as long. */
  keepAliveSeconds = 0;
  /** Clock reading (keepAliveClock) of the last packet received; before CONNACK, of the accept. */
  lastActivity: number;
  /** v5 limits the client announced in CONNECT. */
  clientReceiveMaximum = 65535;
  clientMaximumPacketSize = Number.POSITIVE_INFINITY;
  requestProblemInformation = true;
  /** Created at CONNECT when topic aliases are offered (v5): none for most connections. */
  inboundAliases: InboundAliases | undefined;
  outboundAliases: OutboundAliases | undefined;
  /** Inbound QoS 1/2 PUBLISHes not yet acknowledged (QoS 2 until PUBREL), for Receive Maximum. */
  inboundUnacked = 0;
  disconnectInfo: DisconnectInfo | undefined;
  /** Session Expiry Interval from CONNECT, for the DISCONNECT rule [MQTT-3.14.2-2]. */
  connectSessionExpiry = 0;
  /** Set once CONNACK (success) is sent: the connection owns its client id. */
  registered = false;
  /** Set once the connection gave up its client id and session (close or takeover). */
  detached = false;
  readonly #channel: ByteChannel;
  readonly #decoder: PacketDecoder;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Created when a tick writes a second packet: an idle connection holds none. */
  #out: OutputBatch | undefined;
  /** The tick's only packet so far (often a shared template: an ack, a delivery). */
  #lone: Uint8Array | undefined;
  /** Where to patch a packet id into #lone, or -1. */
  #lonePatchAt = -1;
  /** The packet id for #lone, plus 0x10000 to set the PUBLISH DUP flag. */
  #loneId = 0;
  /** IN_READ, FLUSH_AFTER_READ and FLUSH_ON_TICK bits: when the queued bytes get written. */
  #io = 0;
  /** The last PUBACK/PUBREC waiting for the store: later ones go after it. */
  #acksWaiting: Promise<void> | undefined;
  /** canWrite() said no since the last drain: the session must be told when the socket drains. */
  #blocked = false;
  /** Packets that arrived while an async hook was pending; created the first time that happens. */
  #inbox: Fifo<Packet> | undefined;
  #pumping = false;
  #paused = false;
  /** Reading held back because a subscriber this client feeds has a full queue (see backpressure.ts). */
  #held = false;
  /**
   * Reading held back because this client does not read what it is sent: its replies (acks, PINGRESP,
   * refusals) would otherwise pile up without limit. Cleared when its socket drains.
   */
  #outputFull = false;
  /** Bytes read while packets wait in #inbox: with the count, what bounds a client's queued input. */
  #inboxBytes = 0;
  #closedWaiters: Array<() => void> | undefined;

  constructor(transport: AcceptedTransport, ctx: BrokerContext) {
    this.transport = transport;
    this.ctx = ctx;
    this.#channel = toByteChannel(transport.stream);
    this.#decoder = new PacketDecoder({ maxPacketSize: ctx.options.limits.maxPacketSize, side: 'server' });
    // The CONNECT deadline runs from here (see sweep()).
    this.lastActivity = keepAliveClock();
    this.#channel.attach(this);
  }

  // --- ChannelSink -----------------------------------------------------------------------------

  /**
   * What a read chunk makes this connection write (CONNACK, acks) goes out when the chunk is handled,
   * batched as a tick would batch it but without a nextTick per read.
   */
  channelData(chunk: Uint8Array): void {
    this.#io |= IN_READ;
    try {
      this.#onData(chunk);
    } finally {
      this.#io &= ~IN_READ;
    }
    if (this.#io & FLUSH_AFTER_READ) this.flush();
  }

  channelDrain(): void {
    this.#blocked = false;
    if (this.#outputFull) {
      this.#outputFull = false;
      this.#resumeIfFree();
    }
    this.session?.drain();
  }

  channelError(err: Error): void {
    this.#onStreamError(err);
  }

  channelClosed(): void {
    this.#onClosed();
  }

  sweep(now: number): void {
    if (this.state === 'awaiting-connect') {
      // The clock may lag a tick behind the accept: the deadline is met late, never early.
      if (now - this.lastActivity >= this.ctx.options.limits.connectTimeoutMs + SWEEP_TICK_MS) this.destroy();
    } else if (
      this.state === 'connected' &&
      this.keepAliveSeconds > 0 &&
      now - this.lastActivity >= this.keepAliveSeconds * 1500 + SWEEP_TICK_MS
    ) {
      this.disconnect(ReasonCode.KeepAliveTimeout, 'keep alive timeout');
    }
  }

  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }

  /** Resolves once the socket has closed. */
  closed(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.#closedWaiters ??= [];
      this.#closedWaiters.push(resolve);
    });
  }

  /** Called once CONNACK (success) is written. */
  markConnected(keepAliveSeconds: number): void {
    this.state = 'connected';
    this.keepAliveSeconds = keepAliveSeconds;
    this.lastActivity = refreshClock();
  }

  /** The decoder's negotiated version (set from the CONNECT). */
  setProtocolVersion(version: ProtocolVersion): void {
    this.protocolVersion = version;
    this.#decoder.protocolVersion = version;
  }

  send(packet: Packet): void {
    if (this.state === 'closed') return;
    let bytes = encodePacket(packet, this.protocolVersion);
    if (bytes.length > this.clientMaximumPacketSize && 'properties' in packet && packet.properties) {
      // Reason String and User Properties are the first to go when a packet would exceed the client's
      // Maximum Packet Size [MQTT-3.2.2-19] [MQTT-3.4.2-2] [MQTT-3.14.2-3] (and the same rule for every ack).
      const {
        reasonString: _r,
        userProperties: _u,
        ...properties
      } = packet.properties as {
        reasonString?: string;
        userProperties?: unknown;
      };
      bytes = encodePacket({ ...packet, properties } as Packet, this.protocolVersion);
    }
    this.writeBytes(bytes);
  }

  writeBytes(bytes: Uint8Array): void {
    this.#queue(bytes, -1, 0, false);
  }

  /** Writes a 4-byte ack (PUBACK, PUBREC, PUBREL, PUBCOMP) with reason Success and no properties. */
  writeAck(template: Uint8Array, packetId: number): void {
    this.#queue(template, 2, packetId, false);
  }

  /**
   * PUBACK or PUBREC for a received PUBLISH: written once the store holds what the message changed (an
   * asynchronous store may still be writing it to a subscriber's session), so an acknowledged message
   * survives a broker crash. Acks keep the order of their PUBLISHes [MQTT-4.6.0-2] [MQTT-4.6.0-3]: once
   * one waits, later ones wait behind it.
   */
  writePublishAck(template: Uint8Array, packetId: number): void {
    const stored = this.#ackBarrier();
    if (stored === undefined) this.writeAck(template, packetId);
    else this.#afterStored(stored, () => this.writeAck(template, packetId));
  }

  /** send() for a refused PUBLISH's ack: in order with the acks waiting for the store. */
  sendPublishAck(packet: Packet): void {
    const stored = this.#ackBarrier();
    if (stored === undefined) this.send(packet);
    else this.#afterStored(stored, () => this.send(packet));
  }

  /** What an ack must wait for: the acks before it, and every store write issued so far (this one's too). */
  #ackBarrier(): Promise<void> | undefined {
    const durable = this.ctx.persistence.whenDurable?.();
    const waiting = this.#acksWaiting;
    if (waiting === undefined) return durable;
    return durable === undefined ? waiting : waiting.then(() => durable);
  }

  #afterStored(stored: Promise<void>, write: () => void): void {
    const next = stored.then(write);
    this.#acksWaiting = next;
    void next.then(() => {
      if (this.#acksWaiting === next) this.#acksWaiting = undefined;
    });
  }

  /** Queues bytes for this tick's write, with a packet id to patch into them (at patchAt >= 0). */
  #queue(bytes: Uint8Array, patchAt: number, packetId: number, dup: boolean): void {
    if (this.state === 'closed') return;
    if (this.#out === undefined && this.#lone === undefined) {
      // The tick's only packet so far (a CONNACK, an ack, one delivery): no batch. At a few messages per
      // connection per tick this is the usual case, and a batch per tick was most of what a QoS 1
      // delivery allocated.
      this.#lone = bytes;
      this.#lonePatchAt = patchAt;
      this.#loneId = dup ? packetId | 0x10000 : packetId;
    } else {
      if (this.#out === undefined) this.#out = new OutputBatch();
      if (this.#lone !== undefined) {
        const id = this.#loneId;
        this.#out.push(this.#lone, this.#lonePatchAt, id & 0xffff, id > 0xffff);
        this.#lone = undefined;
      }
      this.#out.push(bytes, patchAt, packetId, dup);
    }
    this.ctx.stats.bytesSent += bytes.length;
    this.ctx.stats.messagesSent++;
    if ((this.#io & (FLUSH_AFTER_READ | FLUSH_ON_TICK)) === 0) {
      if (this.#io & IN_READ) {
        this.#io |= FLUSH_AFTER_READ;
      } else {
        this.#io |= FLUSH_ON_TICK;
        process.nextTick(flushConnection, this);
      }
    }
  }

  // --- DeliveryTarget -------------------------------------------------------------------------

  canWrite(): boolean {
    if (this.state !== 'connected') return false;
    const unflushed = (this.#out?.bytes ?? 0) + (this.#lone?.length ?? 0);
    if (this.#channel.pendingBytes + unflushed < this.ctx.options.limits.socketHighWaterMark) {
      return true;
    }
    this.#blocked = true;
    return false;
  }

  sendQuota(): number {
    return Math.min(this.clientReceiveMaximum, this.ctx.options.limits.maxInflight);
  }

  sendPublish(delivery: Delivery, packetId: number | undefined, dup: boolean): boolean {
    const version = this.protocolVersion;
    const now = version === 5 && delivery.message.expiresAt !== undefined ? Date.now() : 0;
    // A resend must carry the topic name: aliases do not survive the original send's context.
    const alias = dup ? undefined : this.outboundAliases?.resolve(delivery.message.topic);
    // Without an alias the shared encoded form is queued as is and the packet id patched in at flush.
    const bytes =
      alias === undefined
        ? deliveryTemplate(delivery, version, now)
        : encodeDelivery(delivery, version, packetId, dup, alias, now);
    if (bytes.length > this.clientMaximumPacketSize) {
      if (alias?.sendTopic) this.outboundAliases?.forget(delivery.message.topic);
      this.ctx.stats.oversizeDropped++;
      return false;
    }
    this.ctx.stats.publishSent++;
    if (alias !== undefined || packetId === undefined) this.#queue(bytes, -1, 0, false);
    else this.#queue(bytes, packetIdOffset(bytes), packetId, dup);
    return true;
  }

  holdReading(): void {
    this.#held = true;
    this.#channel.pause();
  }

  resumeReading(): void {
    this.#held = false;
    this.#resumeIfFree();
  }

  /** Bytes written to this client's socket and not yet taken by the OS, plus those not yet flushed. */
  get pendingOutputBytes(): number {
    return this.#channel.pendingBytes + (this.#out?.bytes ?? 0) + (this.#lone?.length ?? 0);
  }

  /** Reads again unless something else still holds reading back. */
  #resumeIfFree(): void {
    if (!this.#paused && !this.#held && !this.#outputFull && this.state !== 'closed') this.#channel.resume();
  }

  sendPubrel(packetId: number): void {
    this.send({ type: 'pubrel', packetId });
  }

  // --- closing ---------------------------------------------------------------------------------

  /**
   * Server-initiated close: a v5 client that completed CONNECT gets DISCONNECT with the reason code
   * (and a reason string if it did not opt out); 3.1.1 clients are just closed [MQTT-3.14.0-1].
   */
  disconnect(reasonCode: number, reasonString?: string, error?: Error): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.disconnectInfo ??= error ? { by: 'server', reasonCode, error } : { by: 'server', reasonCode };
    if (this.protocolVersion === 5 && this.state === 'connected') {
      const code = SERVER_DISCONNECT_CODES.has(reasonCode) ? reasonCode : ReasonCode.UnspecifiedError;
      const packet: Packet = { type: 'disconnect', reasonCode: code };
      if (reasonString && this.requestProblemInformation) packet.properties = { reasonString };
      this.send(packet);
    }
    this.end();
  }

  /** Flushes what is written and half-closes; the socket is destroyed if the peer does not close. */
  end(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.flush();
    this.#channel.end();
    this.#closeTimer = setTimeout(() => this.destroy(), 2000);
    this.#closeTimer.unref();
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.#channel.destroy();
    // 'close' follows asynchronously; mark now so nothing more is written.
    if (this.state !== 'closing') this.state = 'closing';
  }

  // --- inbound ---------------------------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.ctx.stats.bytesReceived += chunk.length;
    if (this.#pumping) this.#inboxBytes += chunk.length;
    try {
      this.#decoder.push(chunk, (packet) => this.#enqueue(packet));
    } catch (err) {
      this.#fail(err);
    }
  }

  #enqueue(packet: Packet): void {
    this.ctx.stats.messagesReceived++;
    // Before CONNACK, lastActivity holds the accept time: packets of a long auth exchange do not extend
    // the CONNECT deadline.
    if (this.state !== 'awaiting-connect') this.lastActivity = keepAliveClock();
    if (!this.#pumping) {
      // The usual case: nothing waits on an async hook, so the packet is handled without queueing.
      this.#pump(packet);
      return;
    }
    this.#inbox ??= new Fifo<Packet>();
    this.#inbox.push(packet);
    const { maxPendingPackets, maxPacketSize } = this.ctx.options.limits;
    if ((this.#inbox.length >= maxPendingPackets || this.#inboxBytes >= maxPacketSize) && !this.#paused) {
      this.#paused = true;
      this.#channel.pause();
    }
  }

  /**
   * Handles packets in order: `first`, then those queued meanwhile. Handlers are synchronous except
   * around async hooks: a returned promise suspends the loop, which continues when it settles (no
   * promise per packet otherwise).
   */
  #pump(first?: Packet): void {
    this.#pumping = true;
    let packet = first;
    try {
      for (;;) {
        if (packet === undefined) {
          packet = this.#inbox?.shift();
          if (packet === undefined) break;
        }
        if (this.state === 'closing' || this.state === 'closed') {
          this.#inbox?.clear();
          break;
        }
        const pending = dispatch(this, packet);
        packet = undefined;
        if (pending) {
          pending.then(
            () => this.#pump(),
            (err: unknown) => this.#pumpFailed(err),
          );
          return;
        }
      }
    } catch (err) {
      this.#pumpFailed(err);
      return;
    }
    this.#pumpDone();
  }

  #pumpFailed(err: unknown): void {
    this.#inbox?.clear();
    this.#fail(err);
    this.#pumpDone();
  }

  #pumpDone(): void {
    this.#pumping = false;
    this.#inboxBytes = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#resumeIfFree();
    }
  }

  /** A connection-fatal error: the error carries the reason code. */
  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const reasonCode =
      typeof (err as { reasonCode?: unknown }).reasonCode === 'number'
        ? (err as { reasonCode: number }).reasonCode
        : ReasonCode.UnspecifiedError;
    this.ctx.emitClientError(this, error);
    if (this.state === 'awaiting-connect') {
      if (err instanceof MqttProtocolError) this.#refuseConnect(err);
      this.disconnectInfo = { by: 'server', reasonCode, error };
      this.end();
      return;
    }
    // A second CONNECT is a Protocol Error whatever is wrong inside it (its 0x84 has no DISCONNECT form).
    const secondConnect = err instanceof MqttProtocolError && err.field?.startsWith('connect.') === true;
    this.disconnect(secondConnect ? ReasonCode.ProtocolError : reasonCode, error.message, error);
  }

  /**
   * A CONNECT that breaks the format closes the connection [MQTT-3.1.4-1]; before that, a 5.0 client (its
   * level is read before the rest of the CONNECT is checked) gets a CONNACK with the error's reason code,
   * the only packet that can carry one before CONNACK (5.0 section 4.13). An unknown level gets return
   * code 0x01 in 3.1.1 form, since its own form is unknown [MQTT-3.1.2-2].
   */
  #refuseConnect(err: MqttProtocolError): void {
    if (this.#decoder.protocolVersion === 5 && CONNACK_CODES.has(err.reasonCode)) {
      this.writeBytes(
        encodePacket({ type: 'connack', sessionPresent: false, reasonCode: err.reasonCode }, 5),
      );
    } else if (err.code === 'UNSUPPORTED_PROTOCOL_VERSION') {
      this.writeBytes(Uint8Array.of(0x20, 0x02, 0x00, 0x01));
    }
  }

  #onStreamError(err: Error): void {
    this.disconnectInfo ??= { by: 'network', reasonCode: ReasonCode.UnspecifiedError, error: err };
    this.destroy();
  }

  #onClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#out = undefined;
    this.#lone = undefined;
    this.disconnectInfo ??= { by: 'network', reasonCode: ReasonCode.UnspecifiedError };
    this.ctx.connectionClosed(this);
    const waiters = this.#closedWaiters;
    this.#closedWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve();
  }

  flush(): void {
    this.#io &= IN_READ;
    let bytes: Uint8Array | undefined = this.#lone;
    if (bytes !== undefined) {
      this.#lone = undefined;
      const id = this.#loneId;
      if (this.#lonePatchAt >= 0)
        bytes = copyWithPacketId(bytes, this.#lonePatchAt, id & 0xffff, id > 0xffff);
    } else {
      const out = this.#out;
      if (out === undefined) return;
      // An idle connection keeps no batch: only one that wrote several packets this tick is likely busy.
      if (out.length <= 1) this.#out = undefined;
      bytes = out.take();
      if (bytes === undefined) return;
    }
    if (!this.#channel.writable) return;
    this.#channel.write(bytes);
    // Deliveries stop at the high-water mark (canWrite); only replies to the client's own packets get
    // past twice that, and only when it does not read them. Then its packets wait until it does.
    if (
      !this.#outputFull &&
      this.#channel.needsDrain &&
      this.#channel.pendingBytes > 2 * this.ctx.options.limits.socketHighWaterMark
    ) {
      this.#outputFull = true;
      this.#channel.pause();
    }
    // Deliveries held back only by our own not-yet-flushed bytes get no drain event: resume them here.
    if ((this.#blocked || this.session?.queue.length) && !this.#channel.needsDrain) {
      this.#blocked = false;
      setImmediate(() => this.session?.drain());
    }
  }
}

/** #io bits: a read chunk is being handled; flush when it is done; a nextTick flush is scheduled. */
const IN_READ = 1;
const FLUSH_AFTER_READ = 2;
const FLUSH_ON_TICK = 4;

/** nextTick callback without a closure per tick. */
function flushConnection(conn: Connection): void {
  conn.flush();
}
