import {
  type ConnectPacket,
  type ProtocolVersion,
  type QoS,
  REASON_CODES_BY_PACKET,
  type Subscription,
} from '@mq/codec';
import type { ClientCertificate } from './listeners/types.js';

/** Outcome of a hook: allow, or deny with an MQTT 5 reason code (mapped to v3 return codes as needed). */
export type AuthVerdict =
  | {
      ok: true;
      /**
       * authorizeSubscribe only: the filter is wider than what the client may read, so every message it
       * matches is checked with authorizeDelivery before it is delivered.
       */
      checkDelivery?: boolean;
    }
  | { ok: false; reasonCode: number; reasonString?: string };

/** A hook may also answer with a plain boolean: false denies with Not authorized (0x87). */
export type AuthAnswer = boolean | AuthVerdict;

export interface ClientInfo {
  clientId: string;
  username?: string;
  protocolVersion: ProtocolVersion;
  remoteAddress?: string;
  listener: string;
}

export interface AuthenticateContext extends ClientInfo {
  password?: Uint8Array;
  connect: ConnectPacket;
  /** The client certificate, on TLS listeners with `requestCert` (already checked to be valid). */
  certificate?: ClientCertificate;
}

/** A message about to be delivered on a subscription that was granted with `checkDelivery`. */
export interface DeliveryContext {
  clientId: string;
  username?: string;
  topic: string;
}

export interface PublishContext extends ClientInfo {
  topic: string;
  qos: QoS;
  retain: boolean;
  payload: Uint8Array;
}

export interface SubscribeContext extends ClientInfo {
  subscription: Subscription;
}

/**
 * Authentication and authorization seam. Every hook is optional and may be async; a missing hook allows.
 * A denied CONNECT gets a CONNACK with the reason code; a denied PUBLISH is acknowledged with it (v5) and
 * not routed; a denied subscription gets it in its SUBACK slot.
 */
export interface AuthHooks {
  authenticate?(ctx: AuthenticateContext): AuthAnswer | Promise<AuthAnswer>;
  authorizePublish?(ctx: PublishContext): AuthAnswer | Promise<AuthAnswer>;
  /** May also answer with a granted QoS (0, 1 or 2) lower than requested, to downgrade the subscription. */
  authorizeSubscribe?(ctx: SubscribeContext): AuthAnswer | QoS | Promise<AuthAnswer | QoS>;
  /**
   * Synchronous read check for messages matching a subscription granted with `checkDelivery: true`
   * (a wildcard wider than the client's read permission); false drops the message for this client.
   */
  authorizeDelivery?(ctx: DeliveryContext): boolean;
  /**
   * MQTT 5 enhanced authentication, by Authentication Method name. A CONNECT naming a method that is not
   * here gets CONNACK 0x8C. A client that completes one of these is authenticated: `authenticate` is not
   * called for it.
   */
  methods?: Record<string, AuthMethod>;
}

/** One step of an enhanced authentication exchange, as the method sees it. */
export interface AuthStepContext extends ClientInfo {
  method: string;
  /** Authentication Data of the CONNECT, the AUTH 0x19 (re-authentication) or the AUTH 0x18 reply. */
  data?: Uint8Array;
  /** True for a re-authentication on a live connection (AUTH 0x19). */
  reauthenticate: boolean;
  /** 0 for the first step of an exchange, then 1, 2, ... */
  step: number;
  /** Kept for the whole exchange: the method's own state (a nonce, say). */
  exchange: Record<string, unknown>;
}

/** What a step decides: another challenge (AUTH 0x18), success (with optional final data), or refusal. */
export type AuthStepResult =
  | { continue: Uint8Array }
  | { ok: true; data?: Uint8Array }
  | { ok: false; reasonCode?: number; reasonString?: string };

/** A challenge/response method such as SCRAM: called for each step of an exchange, may be async. */
export interface AuthMethod {
  step(ctx: AuthStepContext): AuthStepResult | Promise<AuthStepResult>;
}

export const allow = (): AuthVerdict => ({ ok: true });
export const deny = (reasonCode: number, reasonString?: string): AuthVerdict =>
  reasonString === undefined ? { ok: false, reasonCode } : { ok: false, reasonCode, reasonString };

const NOT_AUTHORIZED = 0x87;

export function toVerdict(answer: AuthAnswer): AuthVerdict {
  if (answer === true) return { ok: true };
  if (answer === false) return { ok: false, reasonCode: NOT_AUTHORIZED };
  return answer;
}

/**
 * The reason code to send for a refusal in `packet`: the hook's own code when it is a failure code that
 * packet may carry, else Not authorized (valid in all of them), so a careless hook cannot make the
 * broker send an invalid packet [MQTT-3.2.2-8] [MQTT-3.4.2-1] [MQTT-3.9.3-2].
 */
export function refusalCode(reasonCode: number, packet: 'connack' | 'puback' | 'pubrec' | 'suback'): number {
  const allowed = REASON_CODES_BY_PACKET[packet] ?? [];
  return reasonCode >= 0x80 && allowed.includes(reasonCode) ? reasonCode : NOT_AUTHORIZED;
}

/** A hook's answer that must be awaited; hooks may answer synchronously to keep their packet's path synchronous. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
