import type {
  Packet,
  PubackPacket,
  PublishPacket,
  PublishProperties,
  PubrecPacket,
  QoS,
  WillProperties,
} from '@mq/codec';
import { isWellFormedUtf8, ReasonCode } from '@mq/codec';
import { ACK_TEMPLATES } from '../acks.js';
import { type AuthVerdict, isPromiseLike, refusalCode, toVerdict } from '../auth.js';
import type { Connection } from '../connection.js';
import { BrokerProtocolError, protocolViolation } from '../errors.js';
import type { Message } from '../message.js';
import { WindowCounter } from '../rate-limit.js';
import { isClientWritable, isValidTopicName } from '../topic.js';

/**
 * Inbound PUBLISH: resolve the topic alias, check limits, authorize, route, acknowledge. QoS 2 packet
 * ids are remembered until PUBREL, so a resent PUBLISH is acknowledged again but not routed again
 * (exactly once [MQTT-4.3.3-10]).
 */
export function handlePublish(conn: Connection, packet: PublishPacket): void | Promise<void> {
  const { ctx } = conn;
  const session = conn.session!;
  ctx.stats.publishReceived++;
  checkPublishRate(conn);
  const topic = resolveTopic(conn, packet);
  if (packet.properties?.subscriptionIdentifiers !== undefined) {
    throw protocolViolation('PUBLISH from a client must not carry a Subscription Identifier');
  }
  const packetId = packet.packetId ?? 0;
  if (packet.qos === 2 && session.incomingQos2.has(packetId)) {
    // A resend of a message already received: acknowledge again, do not deliver twice.
    conn.writePublishAck(ACK_TEMPLATES.pubrec, packetId);
    return;
  }
  if (packet.qos > 0 && conn.protocolVersion === 5) {
    if (conn.inboundUnacked >= ctx.options.limits.receiveMaximum) {
      throw new BrokerProtocolError(
        'RECEIVE_MAXIMUM_EXCEEDED',
        ReasonCode.ReceiveMaximumExceeded,
        'more unacknowledged QoS 1/2 PUBLISH than Receive Maximum',
      );
    }
  }
  if (packet.qos > 0) conn.inboundUnacked++;

  const badFormat = checkPayloadFormat(conn, packet);
  // Routed synchronously unless the authorizer answers with a promise: no promise per PUBLISH otherwise.
  if (badFormat === undefined && ctx.auth.authorizePublish !== undefined) {
    const verdict = authorize(conn, packet, topic);
    if (isPromiseLike(verdict)) return verdict.then((v) => routeAndAck(conn, packet, topic, v));
    routeAndAck(conn, packet, topic, verdict);
    return;
  }
  routeAndAck(conn, packet, topic, badFormat ?? ALLOWED);
}

function routeAndAck(conn: Connection, packet: PublishPacket, topic: string, refusal: AuthVerdict): void {
  const { ctx } = conn;
  const packetId = packet.packetId ?? 0;
  // Clients may not inject $SYS messages; they are acknowledged and dropped, as Mosquitto does.
  const route = refusal.ok && isClientWritable(topic);
  const message = route ? toMessage(packet, packet.properties, conn.clientId, topic) : undefined;
  if (packet.qos === 2 && refusal.ok && ctx.persistence.atomically !== undefined) {
    // The routed copies and the packet id are stored together. Stored apart, a crash between them
    // lets the client's resent PUBLISH be routed again (a duplicate), or the other way round loses it.
    ctx.persistence.atomically(() => {
      if (message) ctx.router.publish(message);
      conn.session!.addIncomingQos2(packetId);
    });
  } else if (message) {
    ctx.router.publish(message);
  }
  if (message) ctx.emitPublish(message, conn);
  if (packet.qos === 1) {
    conn.inboundUnacked = Math.max(0, conn.inboundUnacked - 1);
    if (refusal.ok) conn.writePublishAck(ACK_TEMPLATES.puback, packetId);
    else conn.sendPublishAck(ackPacket(conn, 'puback', packetId, refusal));
  } else if (packet.qos === 2) {
    if (refusal.ok) {
      if (ctx.persistence.atomically === undefined) conn.session!.addIncomingQos2(packetId);
      conn.writePublishAck(ACK_TEMPLATES.pubrec, packetId);
    } else {
      conn.inboundUnacked = Math.max(0, conn.inboundUnacked - 1);
      conn.sendPublishAck(ackPacket(conn, 'pubrec', packetId, refusal));
    }
  }
}

/** Per-connection publish windows (limits.maxPublishRate). */
const publishRates = new WeakMap<Connection, WindowCounter>();

/**
 * One client flooding PUBLISH must not starve the others: past maxPublishRate per window the connection
 * is closed with DISCONNECT 0x96 Message rate too high (3.1.1: closed).
 */
function checkPublishRate(conn: Connection): void {
  const { maxPublishRate, publishRateIntervalMs } = conn.ctx.options.limits;
  if (maxPublishRate <= 0) return;
  let counter = publishRates.get(conn);
  if (!counter) {
    counter = new WindowCounter(maxPublishRate, publishRateIntervalMs);
    publishRates.set(conn, counter);
  }
  if (!counter.take()) {
    throw new BrokerProtocolError(
      'MESSAGE_RATE_TOO_HIGH',
      ReasonCode.MessageRateTooHigh,
      'publish rate above the server limit',
    );
  }
}

/** PUBACK/PUBREC; in v5 a refusal carries its reason code and, unless the client opted out, its reason string. */
function ackPacket(
  conn: Connection,
  type: 'puback' | 'pubrec',
  packetId: number,
  verdict: AuthVerdict,
): Packet {
  if (verdict.ok || conn.protocolVersion < 5) return { type, packetId };
  const ack: PubackPacket | PubrecPacket = {
    type,
    packetId,
    reasonCode: refusalCode(verdict.reasonCode, type),
  };
  // [MQTT-3.1.2-29] no Reason String outside CONNACK/DISCONNECT when Request Problem Information is 0.
  if (verdict.reasonString && conn.requestProblemInformation)
    ack.properties = { reasonString: verdict.reasonString };
  return ack;
}

/** Topic name after Topic Alias handling [MQTT-3.3.2-12]; aliases are per connection. */
function resolveTopic(conn: Connection, packet: PublishPacket): string {
  let topic = packet.topic;
  const alias = packet.properties?.topicAlias;
  if (alias !== undefined && conn.protocolVersion === 5) {
    const aliases = conn.inboundAliases;
    // No alias table means a Topic Alias Maximum of 0 was announced: every alias is out of range.
    if (aliases === undefined || !aliases.isValid(alias)) {
      throw new BrokerProtocolError(
        'TOPIC_ALIAS_INVALID',
        ReasonCode.TopicAliasInvalid,
        'topic alias out of range',
      );
    }
    if (topic.length === 0) {
      const known = aliases.get(alias);
      if (known === undefined) throw protocolViolation('unknown topic alias');
      topic = known;
    } else {
      aliases.set(alias, topic);
    }
  }
  if (!isValidTopicName(topic, conn.ctx.options.limits.maxTopicLevels)) {
    throw new BrokerProtocolError('TOPIC_NAME_INVALID', ReasonCode.TopicNameInvalid, 'invalid topic name');
  }
  return topic;
}

/**
 * A payload announced as UTF-8 (Payload Format Indicator 1) that is not is refused with 0x99, which the
 * spec allows (section 3.3.2.3.2); off with limits.checkPayloadFormat = false.
 */
function checkPayloadFormat(conn: Connection, packet: PublishPacket): AuthVerdict | undefined {
  if (conn.protocolVersion < 5 || packet.properties?.payloadFormatIndicator !== 1) return undefined;
  if (!conn.ctx.options.limits.checkPayloadFormat || isWellFormedUtf8(packet.payload)) return undefined;
  return {
    ok: false,
    reasonCode: ReasonCode.PayloadFormatInvalid,
    reasonString: 'payload is not valid UTF-8',
  };
}

/**
 * The authorizer's verdict (allowed when there is no hook). A hook that throws is a transient error:
 * the connection is closed [MQTT-4.8.0-2] (v5: DISCONNECT 0x80).
 */
function authorize(
  conn: Connection,
  packet: PublishPacket,
  topic: string,
): AuthVerdict | Promise<AuthVerdict> {
  const hook = conn.ctx.auth.authorizePublish;
  if (!hook) return ALLOWED;
  let answer: ReturnType<typeof hook>;
  try {
    answer = hook({
      ...conn.ctx.clientInfo(conn),
      topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: packet.payload,
    });
  } catch (err) {
    throw hookFailure('authorizePublish', err);
  }
  if (!isPromiseLike(answer)) return toVerdict(answer);
  return Promise.resolve(answer).then(toVerdict, (err: unknown) => {
    throw hookFailure('authorizePublish', err);
  });
}

const ALLOWED: AuthVerdict = { ok: true };

export function hookFailure(hook: string, cause: unknown): BrokerProtocolError {
  const error = new BrokerProtocolError('HOOK_FAILED', ReasonCode.UnspecifiedError, `${hook} hook failed`);
  error.cause = cause;
  return error;
}

/**
 * The routed form of a PUBLISH or will: per-hop properties (alias, subscription ids) dropped, the
 * expiry interval turned into an absolute deadline.
 */
export function toMessage(
  packet: { topic: string; payload: Uint8Array; qos: QoS; retain: boolean },
  properties: PublishProperties | WillProperties | undefined,
  origin: string,
  topic = packet.topic,
): Message {
  const message: Message = {
    topic,
    payload: packet.payload,
    qos: packet.qos,
    retain: packet.retain,
    origin,
  };
  if (properties) {
    const {
      messageExpiryInterval,
      topicAlias: _alias,
      subscriptionIdentifiers: _ids,
      willDelayInterval: _delay,
      ...rest
    } = properties as PublishProperties & WillProperties;
    if (messageExpiryInterval !== undefined) message.expiresAt = Date.now() + messageExpiryInterval * 1000;
    if (Object.keys(rest).length > 0) message.properties = rest;
  }
  return message;
}
