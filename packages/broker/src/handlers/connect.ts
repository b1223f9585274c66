import { randomUUID } from 'node:crypto';
import {
  type ConnackPacket,
  type ConnackProperties,
  type ConnectPacket,
  ConnectReturnCode,
  ReasonCode,
} from '@mq/codec';
import { admissionRefusals } from '../admission.js';
import {
  type AuthAnswer,
  type AuthenticateContext,
  type AuthStepResult,
  isPromiseLike,
  refusalCode,
  toVerdict,
} from '../auth.js';
import type { Connection } from '../connection.js';
import { NEVER_EXPIRES } from '../session.js';
import { isClientWritable, isValidTopicName } from '../topic.js';
import { InboundAliases, OutboundAliases } from '../topic-alias.js';
import { awaitReply, type PendingExchange, rememberMethod, runStep } from './auth.js';
import { toMessage } from './publish.js';

/** State carried through the CONNECT steps. */
interface ConnectFlow {
  conn: Connection;
  packet: ConnectPacket;
  clientId: string;
  /** The CONNECT username, or the certificate identity with useIdentityAsUsername. */
  username: string | undefined;
  assignedClientId: boolean;
  keepAlive: number;
  serverKeepAlive: boolean;
  sessionExpiry: number;
  sessionExpiryChanged: boolean;
  sessionPresent: boolean;
  /** Set once an enhanced authentication method accepted the client [MQTT-4.12.0-5]. */
  enhancedAuth?: { method: string; data?: Uint8Array };
}

/** A step returns false after it has refused the connection. */
type ConnectStep = (flow: ConnectFlow) => boolean | Promise<boolean>;

/** The CONNECT flow, in order. */
const connectSteps: readonly ConnectStep[] = [
  checkAdmission,
  checkClientId,
  negotiateKeepAlive,
  negotiateSessionExpiry,
  checkWill,
  checkAuthMethod,
  checkCertificate,
  authenticate,
  authorizeWill,
  acquireSession,
  takeOver,
  attachSession,
  sendConnack,
  start,
];

/**
 * Returns a promise only when a step went async (a hook or an enhanced authentication method): without
 * them the CONNACK is queued in the same tick as the CONNECT was decoded, with no promise per CONNECT.
 */
export function handleConnect(conn: Connection, packet: ConnectPacket): void | Promise<void> {
  conn.setProtocolVersion(packet.protocolVersion);
  // Known before CONNACK so that even a refusal respects it [MQTT-3.2.2-19] [MQTT-3.2.2-20].
  conn.clientMaximumPacketSize = packet.properties?.maximumPacketSize ?? Number.POSITIVE_INFINITY;
  const flow: ConnectFlow = {
    conn,
    packet,
    clientId: packet.clientId,
    username: packet.username,
    assignedClientId: false,
    keepAlive: packet.keepAlive,
    serverKeepAlive: false,
    sessionExpiry: 0,
    sessionExpiryChanged: false,
    sessionPresent: false,
  };
  return runSteps(flow, 0);
}

/** Runs the steps synchronously until one returns a promise; the rest then run after it settles. */
function runSteps(flow: ConnectFlow, from: number): void | Promise<void> {
  for (let i = from; i < connectSteps.length; i++) {
    const pending = connectSteps[i]!(flow);
    if (typeof pending !== 'boolean') return continueSteps(flow, pending, i + 1);
    if (!pending || flow.conn.state !== 'awaiting-connect') return;
  }
}

async function continueSteps(flow: ConnectFlow, pending: Promise<boolean>, next: number): Promise<void> {
  if (!(await pending) || flow.conn.state !== 'awaiting-connect') return;
  await runSteps(flow, next);
}

/** v5 reason codes to 3.1.1 connect return codes. */
const V3_RETURN_CODE: Readonly<Record<number, number>> = {
  [ReasonCode.UnsupportedProtocolVersion]: ConnectReturnCode.UnacceptableProtocolVersion,
  [ReasonCode.ClientIdentifierNotValid]: ConnectReturnCode.IdentifierRejected,
  [ReasonCode.BadUserNameOrPassword]: ConnectReturnCode.BadUsernameOrPassword,
  [ReasonCode.NotAuthorized]: ConnectReturnCode.NotAuthorized,
  [ReasonCode.Banned]: ConnectReturnCode.NotAuthorized,
  [ReasonCode.BadAuthenticationMethod]: ConnectReturnCode.NotAuthorized,
  [ReasonCode.ServerUnavailable]: ConnectReturnCode.ServerUnavailable,
  [ReasonCode.ServerBusy]: ConnectReturnCode.ServerUnavailable,
  [ReasonCode.QuotaExceeded]: ConnectReturnCode.ServerUnavailable,
  [ReasonCode.ConnectionRateExceeded]: ConnectReturnCode.ServerUnavailable,
};

/** Refuses with CONNACK (session present 0 [MQTT-3.2.2-6]) and closes [MQTT-3.2.2-7]. */
function refuse(flow: ConnectFlow, reasonCode: number, reasonString?: string): false {
  const { conn } = flow;
  const packet: ConnackPacket = { type: 'connack', sessionPresent: false, reasonCode };
  if (conn.protocolVersion < 5) {
    packet.reasonCode = V3_RETURN_CODE[reasonCode] ?? ConnectReturnCode.ServerUnavailable;
  } else if (reasonString && flow.packet.properties?.requestProblemInformation !== false) {
    packet.properties = { reasonString };
  }
  conn.send(packet);
  conn.disconnectInfo = { by: 'server', reasonCode };
  conn.end();
  return false;
}

/** Connection caps and the per-IP connect rate, decided when the socket was accepted (admission.ts). */
function checkAdmission(flow: ConnectFlow): boolean {
  const refusal = admissionRefusals.get(flow.conn);
  if (refusal === undefined) return true;
  return refuse(
    flow,
    refusal,
    refusal === ReasonCode.ConnectionRateExceeded ? 'connection rate exceeded' : 'too many connections',
  );
}

/**
 * Client identifier rules: an empty id gets one assigned (v5 [MQTT-3.1.3-6], 3.1.1 with Clean Session
 * [MQTT-3.1.3-6]); 3.1.1 with Clean Session 0 is refused with 0x02 [MQTT-3.1.3-8]; 3.1 needs 1..23 chars.
 */
function checkClientId(flow: ConnectFlow): boolean {
  const { packet } = flow;
  if (packet.clientId.length > 0) return true;
  if (packet.protocolVersion === 3 || (packet.protocolVersion === 4 && !packet.cleanStart)) {
    return refuse(flow, ReasonCode.ClientIdentifierNotValid);
  }
  flow.clientId = `mq-${randomUUID()}`;
  flow.assignedClientId = true;
  return true;
}

/** A configured maximum replaces a larger (or zero) keep alive: v5 via Server Keep Alive, 3.x is refused. */
function negotiateKeepAlive(flow: ConnectFlow): boolean {
  const max = flow.conn.ctx.options.limits.maxKeepAlive;
  if (max === 0 || (flow.keepAlive !== 0 && flow.keepAlive <= max)) return true;
  if (flow.packet.protocolVersion < 5) {
    return refuse(flow, ReasonCode.ClientIdentifierNotValid, 'keep alive above the server maximum');
  }
  flow.keepAlive = max;
  flow.serverKeepAlive = true;
  return true;
}

function negotiateSessionExpiry(flow: ConnectFlow): boolean {
  const { packet, conn } = flow;
  if (packet.protocolVersion < 5) {
    flow.sessionExpiry = packet.cleanStart ? 0 : NEVER_EXPIRES;
    return true;
  }
  const requested = packet.properties?.sessionExpiryInterval ?? 0;
  const max = conn.ctx.options.sessionExpiryMaxSeconds;
  flow.sessionExpiry = Math.min(requested, max);
  flow.sessionExpiryChanged = flow.sessionExpiry !== requested;
  conn.connectSessionExpiry = requested;
  return true;
}

function checkWill(flow: ConnectFlow): boolean {
  const will = flow.packet.will;
  if (!will) return true;
  if (!isValidTopicName(will.topic, flow.conn.ctx.options.limits.maxTopicLevels)) {
    return refuse(flow, ReasonCode.TopicNameInvalid, 'invalid will topic');
  }
  return true;
}

/**
 * Enhanced authentication: a method the broker does not offer gets 0x8C [MQTT-4.12.0-1]; otherwise its
 * first step runs on the CONNECT's Authentication Data. A challenge (AUTH 0x18) pauses the CONNECT flow
 * until the client replies (handlers/auth.ts); success carries on, failure refuses [MQTT-4.12.0-4].
 */
function checkAuthMethod(flow: ConnectFlow): boolean | Promise<boolean> {
  const method = flow.packet.properties?.authenticationMethod;
  if (method === undefined) return true;
  const handler = flow.conn.ctx.auth.methods?.[method];
  if (!handler) return refuse(flow, ReasonCode.BadAuthenticationMethod, 'unsupported authentication method');
  return runAuthMethod(flow, method, handler);
}

async function runAuthMethod(
  flow: ConnectFlow,
  method: string,
  handler: PendingExchange['handler'],
): Promise<boolean> {
  const { conn, packet } = flow;
  // The method sees who is connecting before the session is attached.
  conn.clientId = flow.clientId;
  conn.username = flow.username;
  const exchange: PendingExchange = { method, handler, exchange: {}, reauthenticate: false, step: 0 };
  exchange.finish = async (result) => {
    if (accepted(flow, method, result)) await runSteps(flow, connectSteps.indexOf(checkAuthMethod) + 1);
  };
  const result = await runStep(conn, exchange, packet.properties?.authenticationData);
  if (conn.state !== 'awaiting-connect') return false;
  if ('continue' in result) {
    awaitReply(conn, exchange, result.continue);
    return false;
  }
  return accepted(flow, method, result);
}

/** The end of an exchange in the CONNECT phase: remembered for CONNACK, or refused. */
function accepted(flow: ConnectFlow, method: string, result: AuthStepResult): boolean {
  if ('continue' in result) return false;
  if (!result.ok) {
    return refuse(
      flow,
      refusalCode(result.reasonCode ?? ReasonCode.NotAuthorized, 'connack'),
      result.reasonString,
    );
  }
  flow.enhancedAuth = result.data === undefined ? { method } : { method, data: result.data };
  rememberMethod(flow.conn, method);
  return true;
}

/**
 * On a listener that requests client certificates, a connection without a valid one is refused with
 * 0x87 Not authorized (3.1.1: return code 5); with useIdentityAsUsername the certificate's CN replaces
 * the CONNECT username.
 */
function checkCertificate(flow: ConnectFlow): boolean {
  const cert = flow.conn.transport.certificate;
  if (!cert) return true;
  if (!cert.authorized || cert.identity === undefined) {
    return refuse(flow, ReasonCode.NotAuthorized, 'a valid client certificate is required');
  }
  if (cert.useIdentityAsUsername) flow.username = cert.identity;
  return true;
}

function authenticate(flow: ConnectFlow): boolean | Promise<boolean> {
  const hook = flow.conn.ctx.auth.authenticate;
  // A completed enhanced authentication is the client's authentication.
  if (!hook || flow.enhancedAuth) return true;
  let answer: ReturnType<typeof hook>;
  try {
    answer = hook(authenticateContext(flow));
  } catch (err) {
    return hookFailed(flow, err);
  }
  // A hook that answers synchronously (anonymous access, a certificate) keeps CONNECT synchronous.
  if (!isPromiseLike(answer)) return judgeAuthenticate(flow, toVerdict(answer));
  return settleAuthenticate(flow, answer);
}

async function settleAuthenticate(flow: ConnectFlow, answer: PromiseLike<AuthAnswer>): Promise<boolean> {
  let verdict: ReturnType<typeof toVerdict>;
  try {
    verdict = toVerdict(await answer);
  } catch (err) {
    return hookFailed(flow, err);
  }
  if (flow.conn.state !== 'awaiting-connect') return false;
  return judgeAuthenticate(flow, verdict);
}

function judgeAuthenticate(flow: ConnectFlow, verdict: ReturnType<typeof toVerdict>): boolean {
  if (!verdict.ok) return refuse(flow, refusalCode(verdict.reasonCode, 'connack'), verdict.reasonString);
  return true;
}

function hookFailed(flow: ConnectFlow, err: unknown): boolean {
  flow.conn.ctx.logger.error({ err, clientId: flow.clientId }, 'authenticate hook failed');
  return refuse(flow, ReasonCode.ServerUnavailable);
}

function authenticateContext(flow: ConnectFlow): AuthenticateContext {
  const { conn, packet } = flow;
  const context: AuthenticateContext = {
    clientId: flow.clientId,
    protocolVersion: packet.protocolVersion,
    listener: conn.transport.listener,
    connect: packet,
    // Looked up only if the hook reads it: a system call most hooks (anonymous, certificate) never need.
    get remoteAddress() {
      return conn.remoteAddress;
    },
  };
  if (flow.username !== undefined) context.username = flow.username;
  if (packet.password !== undefined) context.password = packet.password;
  const certificate = conn.transport.certificate;
  if (certificate !== undefined) context.certificate = certificate;
  return context;
}

/** The will is a publish like any other: the publish authorizer sees it at CONNECT, so a will cannot bypass it. */
function authorizeWill(flow: ConnectFlow): boolean | Promise<boolean> {
  const hook = flow.conn.ctx.auth.authorizePublish;
  const will = flow.packet.will;
  if (!hook || !will) return true;
  return runAuthorizeWill(flow, hook, will);
}

async function runAuthorizeWill(
  flow: ConnectFlow,
  hook: NonNullable<Connection['ctx']['auth']['authorizePublish']>,
  will: NonNullable<ConnectPacket['will']>,
): Promise<boolean> {
  const { conn, packet } = flow;
  let verdict: ReturnType<typeof toVerdict>;
  try {
    verdict = toVerdict(
      await hook({
        clientId: flow.clientId,
        protocolVersion: packet.protocolVersion,
        listener: conn.transport.listener,
        ...(flow.username !== undefined && { username: flow.username }),
        ...(conn.remoteAddress !== undefined && { remoteAddress: conn.remoteAddress }),
        topic: will.topic,
        qos: will.qos,
        retain: will.retain,
        payload: will.payload,
      }),
    );
  } catch (err) {
    conn.ctx.logger.error({ err, clientId: flow.clientId }, 'authorizePublish hook failed for the will');
    return refuse(flow, ReasonCode.ServerUnavailable);
  }
  if (conn.state !== 'awaiting-connect') return false;
  if (!verdict.ok) return refuse(flow, refusalCode(verdict.reasonCode, 'connack'), verdict.reasonString);
  return true;
}

/**
 * In a cluster the session may be held by another node: the route bus moves it here before it is looked
 * up, and that node drops its connection [MQTT-3.1.4-3]. Single node (or held here): nothing to await.
 */
function acquireSession(flow: ConnectFlow): boolean | Promise<boolean> {
  // An assigned client id is new: no node can hold its session.
  if (flow.assignedClientId) return true;
  const pending = flow.conn.ctx.router.acquireSession(flow.clientId, flow.packet.cleanStart);
  return pending === undefined ? true : awaitSession(flow, pending);
}

async function awaitSession(flow: ConnectFlow, pending: Promise<void>): Promise<boolean> {
  try {
    await pending;
  } catch (err) {
    flow.conn.ctx.logger.error({ err, clientId: flow.clientId }, 'cluster session hand-off failed');
    if (flow.conn.state !== 'awaiting-connect') return false;
    return refuse(flow, ReasonCode.ServerUnavailable, 'session hand-off failed');
  }
  return flow.conn.state === 'awaiting-connect';
}

/** A second connection with the same client id replaces the first [MQTT-3.1.4-2] (v5: DISCONNECT 0x8E). */
function takeOver(flow: ConnectFlow): boolean {
  const { ctx } = flow.conn;
  const existing = ctx.connections.get(flow.clientId);
  if (existing && existing !== flow.conn) {
    ctx.detach(existing);
    existing.disconnect(ReasonCode.SessionTakenOver, 'session taken over');
  }
  return true;
}

/**
 * Clean start discards the old session [MQTT-3.1.2-4]; otherwise it is resumed [MQTT-3.1.2-5], unless
 * subscriptions are authorized and it belongs to another username (they were authorized for that user).
 */
function attachSession(flow: ConnectFlow): boolean {
  const { conn, packet } = flow;
  const { ctx } = conn;
  let session = ctx.sessions.get(flow.clientId);
  // Only where subscriptions are authorized per user does a session belong to its username. The owner is
  // stored with the session, so this holds after a restart too.
  const otherOwner =
    ctx.auth.authorizeSubscribe !== undefined &&
    session?.owner !== undefined &&
    session.owner.username !== flow.username;
  if (session && (packet.cleanStart || otherOwner)) {
    ctx.endSession(session);
    session = undefined;
  }
  if (session) {
    // The session is back before its will was due: the will is not sent [MQTT-3.1.3-9].
    ctx.wills.sessionResumed(flow.clientId);
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    session.setExpiryInterval(flow.sessionExpiry);
    session.protocolVersion = packet.protocolVersion;
    session.disconnectedAt = undefined;
    flow.sessionPresent = true;
  } else {
    session = ctx.createSession(flow.clientId, conn, flow.sessionExpiry);
  }
  conn.clientId = flow.clientId;
  conn.username = flow.username;
  conn.session = session;
  if (session.owner === undefined || session.owner.username !== flow.username) {
    session.owner = flow.username === undefined ? NO_USERNAME : { username: flow.username };
  }
  session.save();
  return true;
}

/** The owner of sessions opened without a user name (one shared object: nothing allocated per connect). */
const NO_USERNAME: { username?: string } = Object.freeze({});

/** 3.1/3.1.1 CONNACK accepted, without and with Session Present: the same four bytes for every client. */
const CONNACK_ACCEPTED = Uint8Array.of(0x20, 0x02, 0x00, 0x00);
const CONNACK_ACCEPTED_SESSION_PRESENT = Uint8Array.of(0x20, 0x02, 0x01, 0x00);

function sendConnack(flow: ConnectFlow): boolean {
  const { conn, packet } = flow;
  if (packet.protocolVersion < 5) {
    // MQTT 3.1 (level 3) has no Session Present flag: that byte is reserved and stays 0.
    const present = flow.sessionPresent && packet.protocolVersion === 4;
    conn.writeBytes(present ? CONNACK_ACCEPTED_SESSION_PRESENT : CONNACK_ACCEPTED);
    return true;
  }
  const { limits } = conn.ctx.options;
  const connack: ConnackPacket = {
    type: 'connack',
    sessionPresent: flow.sessionPresent,
    reasonCode: ReasonCode.Success,
  };
  const props: ConnackProperties = {
    receiveMaximum: limits.receiveMaximum,
    maximumPacketSize: limits.maxPacketSize,
    topicAliasMaximum: limits.topicAliasMaximum,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  };
  if (flow.assignedClientId) props.assignedClientIdentifier = flow.clientId;
  // The method of the CONNECT, with any final data [MQTT-4.12.0-5].
  if (flow.enhancedAuth) {
    props.authenticationMethod = flow.enhancedAuth.method;
    if (flow.enhancedAuth.data) props.authenticationData = flow.enhancedAuth.data;
  }
  if (flow.serverKeepAlive) props.serverKeepAlive = flow.keepAlive;
  if (flow.sessionExpiryChanged) props.sessionExpiryInterval = flow.sessionExpiry;
  // Only when asked for [MQTT-3.1.2-28].
  if (packet.properties?.requestResponseInformation) {
    const info = conn.ctx.options.responseInformation?.(flow.clientId);
    if (info !== undefined) props.responseInformation = info;
  }
  connack.properties = props;
  const cp = packet.properties;
  conn.clientReceiveMaximum = cp?.receiveMaximum ?? 65535;
  conn.requestProblemInformation = cp?.requestProblemInformation ?? true;
  if (limits.topicAliasMaximum > 0) conn.inboundAliases = new InboundAliases(limits.topicAliasMaximum);
  const outbound = Math.min(cp?.topicAliasMaximum ?? 0, limits.outboundTopicAliases);
  if (outbound > 0) conn.outboundAliases = new OutboundAliases(outbound);
  conn.send(connack);
  return true;
}

/** Registers the connection, arms keep alive and the will, then resends and drains the session. */
function start(flow: ConnectFlow): boolean {
  const { conn, packet } = flow;
  const { ctx } = conn;
  conn.markConnected(flow.keepAlive);
  conn.registered = true;
  ctx.connections.set(flow.clientId, conn);
  ctx.stats.clientsConnected++;
  ctx.stats.clientsMaximum = Math.max(ctx.stats.clientsMaximum, ctx.stats.clientsConnected);
  // Clients may not inject $SYS messages: a will there is accepted and never published, as such a
  // PUBLISH is acknowledged and dropped (publish.ts).
  if (packet.will && isClientWritable(packet.will.topic)) {
    const will = packet.will;
    // The will's Message Expiry Interval runs from when it is published, not from CONNECT.
    const { messageExpiryInterval, ...properties } = will.properties ?? {};
    conn.will = {
      message: toMessage(
        { topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain },
        properties,
        flow.clientId,
      ),
      delaySeconds: will.properties?.willDelayInterval ?? 0,
      ...(messageExpiryInterval !== undefined && { expirySeconds: messageExpiryInterval }),
    };
  }
  ctx.emitConnected(conn, flow.sessionPresent);
  conn.session!.resume(conn);
  return true;
}
