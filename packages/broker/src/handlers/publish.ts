import type { PublishPacket, PublishProperties, QoS, WillProperties } from '@mq/codec';
import { ReasonCode } from '@mq/codec';
import { toVerdict } from '../auth.js';
import type { Connection } from '../connection.js';
import { BrokerProtocolError, protocolViolation } from '../errors.js';
import type { Message } from '../message.js';
import { isValidTopicName } from '../topic.js';

/**
 * Inbound PUBLISH: resolve the topic alias, check limits, authorize, route, acknowledge. QoS 2 packet
 * ids are remembered until PUBREL, so a resent PUBLISH is acknowledged again but not routed again
 * (exactly once [MQTT-4.3.3-10]).
 */
export async function handlePublish(conn: Connection, packet: PublishPacket): Promise<void> {
  const { ctx } = conn;
  const session = conn.session!;
  ctx.stats.publishReceived++;
  const topic = resolveTopic(conn, packet);
  if (packet.properties?.subscriptionIdentifiers !== undefined) {
    throw protocolViolation('PUBLISH from a client must not carry a Subscription Identifier');
  }
  const packetId = packet.packetId ?? 0;
  if (packet.qos === 2 && session.incomingQos2.has(packetId)) {
    // A resend of a message already received: acknowledge again, do not deliver twice.
    conn.send({ type: 'pubrec', packetId });
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

  const refusal = await authorize(conn, packet, topic);
  // Clients may not inject $SYS messages; they are acknowledged and dropped, as Mosquitto does.
  const route = refusal === undefined && !topic.startsWith('$SYS');
  if (route) {
    const message = toMessage(packet, packet.properties, conn.clientId, topic);
    ctx.router.publish(message);
    ctx.emitPublish(message, conn);
  }
  const reasonCode = refusal ?? ReasonCode.Success;
  if (packet.qos === 1) {
    conn.inboundUnacked = Math.max(0, conn.inboundUnacked - 1);
    conn.send(ackPacket('puback', packetId, reasonCode, conn.protocolVersion));
  } else if (packet.qos === 2) {
    if (reasonCode < 0x80) session.addIncomingQos2(packetId);
    else conn.inboundUnacked = Math.max(0, conn.inboundUnacked - 1);
    conn.send(ackPacket('pubrec', packetId, reasonCode, conn.protocolVersion));
  }
}

function ackPacket(type: 'puback' | 'pubrec', packetId: number, reasonCode: number, version: number) {
  return version === 5 && reasonCode !== 0 ? { type, packetId, reasonCode } : { type, packetId };
}

/** Topic name after Topic Alias handling [MQTT-3.3.2-12]; aliases are per connection. */
function resolveTopic(conn: Connection, packet: PublishPacket): string {
  let topic = packet.topic;
  const alias = packet.properties?.topicAlias;
  if (alias !== undefined && conn.protocolVersion === 5) {
    if (!conn.inboundAliases.isValid(alias)) {
      throw new BrokerProtocolError(
        'TOPIC_ALIAS_INVALID',
        ReasonCode.TopicAliasInvalid,
        'topic alias out of range',
      );
    }
    if (topic.length === 0) {
      const known = conn.inboundAliases.get(alias);
      if (known === undefined) throw protocolViolation('unknown topic alias');
      topic = known;
    } else {
      conn.inboundAliases.set(alias, topic);
    }
  }
  if (!isValidTopicName(topic, conn.ctx.options.limits.maxTopicLevels)) {
    throw new BrokerProtocolError('TOPIC_NAME_INVALID', ReasonCode.TopicNameInvalid, 'invalid topic name');
  }
  return topic;
}

/**
 * Returns a refusal reason code, or undefined when the publish is allowed. A hook that throws is a
 * transient error: the connection is closed [MQTT-4.8.0-2] (v5: DISCONNECT 0x80).
 */
async function authorize(
  conn: Connection,
  packet: PublishPacket,
  topic: string,
): Promise<number | undefined> {
  const hook = conn.ctx.auth.authorizePublish;
  if (!hook) return undefined;
  let answer: Awaited<ReturnType<typeof hook>>;
  try {
    answer = await hook({
      ...conn.ctx.clientInfo(conn),
      topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: packet.payload,
    });
  } catch (err) {
    throw hookFailure('authorizePublish', err);
  }
  const verdict = toVerdict(answer);
  return verdict.ok ? undefined : verdict.reasonCode;
}

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
