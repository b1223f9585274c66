import {
  type AuthPacket,
  type ConnackPacket,
  type ConnectPacket,
  encodePacket,
  MqttProtocolError,
  type Packet,
  PacketDecoder,
  type ProtocolVersion,
  ReasonCode,
  reasonCodeName,
} from '@mq/codec';
import { ClientErrorCode, MqttClientError } from './errors.js';
import { Keepalive } from './keepalive.js';
import type { AuthChallenge } from './options.js';
import type { Transport, TransportFactory, TransportOptions } from './transports/types.js';

export interface ConnectionSetup {
  transport: TransportFactory;
  url: URL;
  transportOptions: TransportOptions;
  protocolVersion: ProtocolVersion;
  maximumPacketSize: number | undefined;
  connectTimeout: number;
  onAuth:
    | ((challenge: AuthChallenge) => Promise<Uint8Array | undefined> | Uint8Array | undefined)
    | undefined;
  /** Runs synchronously for a successful CONNACK, before any packet that followed it is handled. */
  onConnack(connack: ConnackPacket): void;
  onPacket(packet: Packet): void;
  /** Called once when an established connection ends (not when `start` rejects). */
  onClose(error: MqttClientError | undefined): void;
}

/**
 * One network connection: transport, framing, CONNECT/CONNACK (with the AUTH exchange) and keepalive.
 * Session state lives in the client; a Connection is thrown away when its transport closes.
 */
export class Connection {
  #setup: ConnectionSetup;
  #transport: Transport | undefined;
  #decoder: PacketDecoder;
  #keepalive: Keepalive | undefined;
  #established = false;
  #closed = false;
  #closeError: MqttClientError | undefined;
  #closedWaiters: Array<() => void> = [];
  /** From the start of the transport attempt until its socket has closed. */
  #transportPending = false;
  #handshake: { resolve: (c: ConnackPacket) => void; reject: (e: MqttClientError) => void } | undefined;
  #authMethod: string | undefined;
  #outbox: Uint8Array[] = [];
  /** Stops a transport that is still opening when this connection is closed. */
  #abort = new AbortController();

  constructor(setup: ConnectionSetup) {
    this.#setup = setup;
    this.#decoder = new PacketDecoder({
      protocolVersion: setup.protocolVersion,
      side: 'client',
      ...(setup.maximumPacketSize !== undefined ? { maxPacketSize: setup.maximumPacketSize } : {}),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the transport, sends CONNECT and resolves with a successful CONNACK. */
  async start(connect: ConnectPacket): Promise<ConnackPacket> {
    const setup = this.#setup;
    this.#authMethod = connect.properties?.authenticationMethod;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const handshake = new Promise<ConnackPacket>((resolve, reject) => {
      this.#handshake = { resolve, reject };
      timer = setTimeout(
        () =>
          this.#fail(
            new MqttClientError(
              ClientErrorCode.ConnectTimeout,
              `no CONNACK from ${setup.url.host} within ${setup.connectTimeout} ms`,
            ),
          ),
        setup.connectTimeout,
      );
    });
    // Observed below once the transport is open; this keeps an early failure from counting as unhandled.
    handshake.catch(() => {});
    try {
      this.#transportPending = true;
      const transport = await setup.transport(
        setup.url,
        { ...setup.transportOptions, signal: this.#abort.signal },
        {
          onData: (chunk) => this.#onData(chunk),
          onClose: (error) => {
            this.#transportDone();
            this.#fail(
              new MqttClientError(ClientErrorCode.ConnectionLost, `connection to ${setup.url.host} closed`, {
                cause: error,
              }),
            );
          },
        },
      );
      if (this.#closed) {
        transport.destroy();
      } else {
        this.#transport = transport;
        this.send(connect);
      }
    } catch (cause) {
      this.#transportDone();
      this.#fail(
        cause instanceof MqttClientError
          ? cause
          : new MqttClientError(ClientErrorCode.ConnectFailed, `cannot connect to ${setup.url.host}`, {
              cause,
            }),
      );
    }
    try {
      return await handshake;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts PINGREQ/PINGRESP supervision once connected. */
  startKeepalive(seconds: number, timeoutMs: number): void {
    if (seconds <= 0 || this.#closed) return;
    this.#keepalive = new Keepalive(
      seconds * 1000,
      timeoutMs,
      () => this.send({ type: 'pingreq' }),
      () =>
        this.#fail(
          new MqttClientError(ClientErrorCode.KeepaliveTimeout, `no PINGRESP within ${timeoutMs} ms`),
          ReasonCode.KeepAliveTimeout,
        ),
    );
  }

  /**
   * Encodes now, writes at the end of the current microtask run: packets sent together
   * (a drained queue, a burst of acks) leave in one write instead of one syscall each.
   */
  send(packet: Packet): void {
    if (this.#closed || !this.#transport) return;
    this.#outbox.push(encodePacket(packet, this.#setup.protocolVersion));
    if (this.#outbox.length === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    const chunks = this.#outbox;
    if (chunks.length === 0) return;
    this.#outbox = [];
    const transport = this.#transport;
    if (!transport) return;
    if (chunks.length === 1) {
      transport.write(chunks[0] as Uint8Array);
    } else {
      let size = 0;
      for (const chunk of chunks) size += chunk.length;
      const joined = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      transport.write(joined);
    }
    this.#keepalive?.sent();
  }

  /** Graceful close: DISCONNECT (with a reason in v5), then end the transport. */
  disconnect(reasonCode: number = ReasonCode.NormalDisconnection): Promise<void> {
    if (!this.#closed && this.#established) {
      this.send(
        this.#setup.protocolVersion === 5 && reasonCode !== 0
          ? { type: 'disconnect', reasonCode }
          : { type: 'disconnect' },
      );
    }
    const done = this.whenClosed();
    this.#close(undefined, 'end');
    return done;
  }

  /** Drops the connection at once, as a network failure would. */
  destroy(error?: MqttClientError): void {
    this.#fail(error ?? new MqttClientError(ClientErrorCode.ConnectionLost, 'connection destroyed'));
  }

  /** Resolves once the transport is really gone (socket closed), so nothing is left running. */
  whenClosed(): Promise<void> {
    if (!this.#transportPending) return Promise.resolve();
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  #transportDone(): void {
    this.#transportPending = false;
    for (const waiter of this.#closedWaiters.splice(0)) waiter();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#established && this.#setup.protocolVersion === 5) {
      const refusal = olderServerRefusal(chunk);
      if (refusal !== undefined) {
        this.#fail(
          new MqttClientError(
            ClientErrorCode.ConnectionRefused,
            `server refused the connection with an MQTT 3.1.1 CONNACK (return code ${chunk[3]}): ${reasonCodeName(refusal, 'connack')}`,
            { reasonCode: refusal },
          ),
        );
        return;
      }
    }
    try {
      this.#decoder.push(chunk, (packet) => {
        if (!this.#closed) this.#onPacket(packet);
      });
    } catch (cause) {
      const reasonCode = cause instanceof MqttProtocolError ? cause.reasonCode : ReasonCode.ProtocolError;
      this.#fail(
        new MqttClientError(
          ClientErrorCode.ProtocolError,
          `bad packet from server: ${(cause as Error).message}`,
          {
            reasonCode,
            cause,
          },
        ),
        reasonCode,
      );
    }
  }

  #onPacket(packet: Packet): void {
    if (this.#established) {
      if (packet.type === 'pingresp') this.#keepalive?.pingResponse();
      else if (packet.type === 'connack') this.protocolViolation('a second CONNACK');
      else this.#setup.onPacket(packet);
      return;
    }
    if (packet.type === 'connack') this.#onConnack(packet);
    else if (packet.type === 'auth') void this.#onAuth(packet);
    else if (packet.type === 'disconnect') this.#setup.onPacket(packet);
    // [MQTT-3.2.0-1] the server sends CONNACK first; anything else before it is a protocol error.
    else this.protocolViolation(`${packet.type} before CONNACK`);
  }

  #onConnack(connack: ConnackPacket): void {
    const v = this.#setup.protocolVersion;
    const failed = v === 5 ? connack.reasonCode >= 0x80 : connack.reasonCode !== 0;
    if (failed) {
      const reasonString = connack.properties?.reasonString;
      const name =
        v === 5 ? reasonCodeName(connack.reasonCode, 'connack') : `return code ${connack.reasonCode}`;
      this.#fail(
        new MqttClientError(
          ClientErrorCode.ConnectionRefused,
          `server refused the connection: ${name}${reasonString ? ` (${reasonString})` : ''}`,
          { reasonCode: connack.reasonCode, reasonString },
        ),
      );
      return;
    }
    this.#established = true;
    const handshake = this.#handshake;
    this.#handshake = undefined;
    this.#setup.onConnack(connack);
    // The client may have found the CONNACK unacceptable and closed the connection.
    if (this.#closed)
      handshake?.reject(this.#closeError ?? new MqttClientError(ClientErrorCode.ConnectionLost, 'closed'));
    else handshake?.resolve(connack);
  }

  async #onAuth(packet: AuthPacket): Promise<void> {
    const onAuth = this.#setup.onAuth;
    const reasonCode = packet.reasonCode ?? 0;
    if (!onAuth || reasonCode !== ReasonCode.ContinueAuthentication) {
      this.#fail(
        new MqttClientError(ClientErrorCode.AuthFailed, 'server sent AUTH but no onAuth handler is set', {
          reasonCode,
        }),
        ReasonCode.ProtocolError,
      );
      return;
    }
    try {
      const data = await onAuth({
        reasonCode,
        authenticationMethod: packet.properties?.authenticationMethod,
        authenticationData: packet.properties?.authenticationData,
      });
      const properties: NonNullable<AuthPacket['properties']> = {};
      if (this.#authMethod !== undefined) properties.authenticationMethod = this.#authMethod;
      if (data !== undefined) properties.authenticationData = data;
      this.send({ type: 'auth', reasonCode: ReasonCode.ContinueAuthentication, properties });
    } catch (cause) {
      this.#fail(
        new MqttClientError(ClientErrorCode.AuthFailed, 'onAuth handler failed', { cause }),
        ReasonCode.NotAuthorized,
      );
    }
  }

  protocolViolation(what: string, reasonCode: number = ReasonCode.ProtocolError): void {
    this.#fail(
      new MqttClientError(ClientErrorCode.ProtocolError, `protocol error: ${what}`, { reasonCode }),
      reasonCode,
    );
  }

  /** Ends the connection because of `error`; in v5 a DISCONNECT with `reasonCode` goes first. */
  #fail(error: MqttClientError, reasonCode?: number): void {
    if (this.#closed) return;
    if (reasonCode !== undefined && this.#established && this.#setup.protocolVersion === 5) {
      this.send({ type: 'disconnect', reasonCode });
    }
    this.#close(error, reasonCode !== undefined ? 'end' : 'destroy');
  }

  #close(error: MqttClientError | undefined, how: 'end' | 'destroy'): void {
    if (this.#closed) return;
    // A graceful end still delivers what was sent before it (a DISCONNECT with its reason).
    if (how === 'end') this.#flush();
    else this.#outbox = [];
    this.#closed = true;
    this.#closeError = error;
    this.#abort.abort();
    this.#keepalive?.stop();
    const transport = this.#transport;
    this.#transport = undefined;
    if (transport) {
      if (how === 'end') transport.end();
      else transport.destroy();
    }
    const handshake = this.#handshake;
    this.#handshake = undefined;
    if (handshake) {
      handshake.reject(error ?? new MqttClientError(ClientErrorCode.ClientClosed, 'closed before CONNACK'));
    } else if (this.#established) {
      this.#setup.onClose(this.#closeError);
    }
  }
}

/** MQTT 3.1.1 CONNACK return codes 1..5 and the MQTT 5 reason codes that mean the same. */
const RETURN_CODE_TO_REASON: Record<number, number> = {
  1: ReasonCode.UnsupportedProtocolVersion,
  2: ReasonCode.ClientIdentifierNotValid,
  3: ReasonCode.ServerUnavailable,
  4: ReasonCode.BadUserNameOrPassword,
  5: ReasonCode.NotAuthorized,
};

/**
 * A server that speaks only MQTT 3.1.1 answers an MQTT 5 CONNECT with a 3.1.1 CONNACK (`20 02 00 rc`),
 * which has no properties and so is not a valid MQTT 5 packet [MQTT-3.1.2-2]. Read it as the refusal it
 * is, so the caller can fall back to 3.1.1, instead of reporting a malformed packet.
 */
function olderServerRefusal(chunk: Uint8Array): number | undefined {
  if (chunk.length !== 4 || chunk[0] !== 0x20 || chunk[1] !== 0x02 || chunk[2] !== 0x00) return undefined;
  return RETURN_CODE_TO_REASON[chunk[3]!];
}
