import { type AuthPacket, type AuthProperties, ReasonCode } from '@mq/codec';
import type { AuthMethod, AuthStepResult } from '../auth.js';
import type { Connection } from '../connection.js';
import { BrokerProtocolError, protocolViolation } from '../errors.js';

/** An enhanced authentication exchange waiting for the client's next AUTH 0x18. */
export interface PendingExchange {
  method: string;
  handler: AuthMethod;
  exchange: Record<string, unknown>;
  reauthenticate: boolean;
  step: number;
  /** CONNECT phase: carries on with the CONNECT flow (success) or refuses it (failure). */
  finish?: (result: AuthStepResult) => Promise<void>;
}

/** Exchanges in progress, and the method each connection authenticated with (for re-authentication). */
const pending = new WeakMap<Connection, PendingExchange>();
const connectedWith = new WeakMap<Connection, string>();

export const hasPendingExchange = (conn: Connection): boolean => pending.has(conn);
export const rememberMethod = (conn: Connection, method: string): void => {
  connectedWith.set(conn, method);
};

/** Runs one step; a method that throws refuses, as a failed authenticate hook does. */
export async function runStep(
  conn: Connection,
  exchange: PendingExchange,
  data: Uint8Array | undefined,
): Promise<AuthStepResult> {
  const step = exchange.step++;
  try {
    return await exchange.handler.step({
      ...conn.ctx.clientInfo(conn),
      method: exchange.method,
      ...(data !== undefined && { data }),
      reauthenticate: exchange.reauthenticate,
      step,
      exchange: exchange.exchange,
    });
  } catch (err) {
    conn.ctx.logger.error({ err, clientId: conn.clientId }, 'authentication method failed');
    return { ok: false, reasonCode: ReasonCode.UnspecifiedError };
  }
}

/** Sends AUTH with the exchange's method, as every AUTH must carry it [MQTT-4.12.0-5]. */
export function sendAuth(conn: Connection, reasonCode: number, method: string, data?: Uint8Array): void {
  const properties: AuthProperties = { authenticationMethod: method };
  if (data !== undefined) properties.authenticationData = data;
  conn.send({ type: 'auth', reasonCode, properties });
}

/** A continue step sends the challenge [MQTT-4.12.0-2] and waits for the client's AUTH 0x18. */
export function awaitReply(conn: Connection, exchange: PendingExchange, challenge: Uint8Array): void {
  pending.set(conn, exchange);
  sendAuth(conn, ReasonCode.ContinueAuthentication, exchange.method, challenge);
}

/**
 * AUTH from the client: the reply to a challenge (0x18) during CONNECT or a re-authentication, or the
 * start of a re-authentication (0x19) after CONNACK [MQTT-4.12.1-1]. Without an Authentication Method at
 * CONNECT any AUTH is a protocol error [MQTT-4.12.0-7], and so is one naming another method [MQTT-4.12.0-5].
 */
export async function handleAuth(conn: Connection, packet: AuthPacket): Promise<void> {
  const reasonCode = packet.reasonCode ?? ReasonCode.Success;
  const method = packet.properties?.authenticationMethod;
  let exchange = pending.get(conn);
  if (exchange === undefined) {
    const connectMethod = connectedWith.get(conn);
    if (connectMethod === undefined) throw protocolViolation('AUTH without an authentication method');
    if (reasonCode !== ReasonCode.ReAuthenticate || conn.state !== 'connected') {
      throw protocolViolation('AUTH that is neither a re-authentication nor a reply to a challenge');
    }
    const handler = conn.ctx.auth.methods?.[connectMethod];
    if (!handler) throw protocolViolation('authentication method no longer available');
    exchange = { method: connectMethod, handler, exchange: {}, reauthenticate: true, step: 0 };
  } else if (reasonCode !== ReasonCode.ContinueAuthentication) {
    throw protocolViolation('the reply to an AUTH challenge must have reason code 0x18');
  }
  if (method !== exchange.method) throw protocolViolation('AUTH with a different authentication method');
  pending.delete(conn);
  const result = await runStep(conn, exchange, packet.properties?.authenticationData);
  if (conn.state === 'closing' || conn.state === 'closed') return;
  if ('continue' in result) {
    awaitReply(conn, exchange, result.continue);
    return;
  }
  if (exchange.finish) {
    await exchange.finish(result);
    return;
  }
  if (result.ok) {
    sendAuth(conn, ReasonCode.Success, exchange.method, result.data);
    return;
  }
  // A failed re-authentication ends the connection [MQTT-4.12.1-2].
  throw new BrokerProtocolError(
    'REAUTHENTICATION_FAILED',
    result.reasonCode !== undefined && result.reasonCode >= 0x80
      ? result.reasonCode
      : ReasonCode.NotAuthorized,
    result.reasonString ?? 're-authentication failed',
  );
}
