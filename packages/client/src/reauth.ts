import { type AuthPacket, type Packet, ReasonCode } from '@mq/codec';
import { ClientErrorCode, MqttClientError } from './errors.js';
import type { AuthChallenge } from './options.js';

type OnAuth = (challenge: AuthChallenge) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/**
 * MQTT 5 re-authentication started by the client (4.12.1): AUTH 0x19, then AUTH 0x18 challenges
 * answered through `onAuth`, until the server's AUTH 0x00. One exchange at a time.
 */
export class ReAuthentication {
  #method: string | undefined;
  #onAuth: OnAuth | undefined;
  #pending: { resolve: () => void; reject: (e: MqttClientError) => void } | undefined;

  constructor(method: string | undefined, onAuth: OnAuth | undefined) {
    this.#method = method;
    this.#onAuth = onAuth;
  }

  get active(): boolean {
    return this.#pending !== undefined;
  }

  start(send: (packet: Packet) => void, data: Uint8Array | undefined): Promise<void> {
    if (this.#method === undefined) {
      return Promise.reject(
        new TypeError('re-authentication needs the authenticationMethod option used to connect'),
      );
    }
    if (this.#pending)
      return Promise.reject(
        new MqttClientError(ClientErrorCode.AuthFailed, 'a re-authentication is already running'),
      );
    const done = new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    const properties: NonNullable<AuthPacket['properties']> = { authenticationMethod: this.#method };
    if (data !== undefined) properties.authenticationData = data;
    // [MQTT-4.12.1-1] the client starts re-authentication with AUTH 0x19 and the same method.
    send({ type: 'auth', reasonCode: ReasonCode.ReAuthenticate, properties });
    return done;
  }

  /** Handles an AUTH from the server; false when none was expected (a protocol error). */
  receive(packet: AuthPacket, send: (packet: Packet) => void): boolean {
    const pending = this.#pending;
    if (!pending) return false;
    const reasonCode = packet.reasonCode ?? ReasonCode.Success;
    if (reasonCode === ReasonCode.Success) {
      this.#pending = undefined;
      pending.resolve();
      return true;
    }
    if (reasonCode !== ReasonCode.ContinueAuthentication || !this.#onAuth) return false;
    const onAuth = this.#onAuth;
    void (async () => {
      try {
        const data = await onAuth({
          reasonCode,
          authenticationMethod: packet.properties?.authenticationMethod,
          authenticationData: packet.properties?.authenticationData,
        });
        const properties: NonNullable<AuthPacket['properties']> = {
          authenticationMethod: this.#method as string,
        };
        if (data !== undefined) properties.authenticationData = data;
        send({ type: 'auth', reasonCode: ReasonCode.ContinueAuthentication, properties });
      } catch (cause) {
        this.fail(new MqttClientError(ClientErrorCode.AuthFailed, 'onAuth handler failed', { cause }));
      }
    })();
    return true;
  }

  /** The connection ended (or onAuth failed) during the exchange. */
  fail(error: MqttClientError): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}
