/** fast-check arbitraries of valid packets, per protocol version, for the differential and fuzz tests. */
import fc from 'fast-check';
import {
  type AckProperties,
  type Packet,
  type PropertyContext,
  type ProtocolVersion,
  type QoS,
  REASON_CODES_BY_PACKET,
} from '../src/index.js';

/** A well-formed UTF-8 Encoded String: no U+0000, no lone surrogate. */
function isEncodable(s: string): boolean {
  if (s.includes('\u0000')) return false;
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

export const str = (maxLength = 12, minLength = 0): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme-ascii', minLength, maxLength }),
      fc.string({ unit: 'binary', minLength, maxLength }),
    )
    .filter(isEncodable);

const levelText = str(6).map((s) => s.replace(/[/+#]/g, 'x'));

export const topicName: fc.Arbitrary<string> = fc
  .array(levelText, { minLength: 1, maxLength: 4 })
  .map((levels) => levels.join('/'))
  .filter((t) => t.length > 0);

const plainFilter: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.oneof(levelText, fc.constant('+')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((f) => f.length > 0);

const shareName = str(5, 1)
  .map((s) => s.replace(/[/+#]/g, 'x'))
  .filter((s) => s.length > 0);

export const topicFilter = (version: ProtocolVersion): fc.Arbitrary<string> =>
  version === 5
    ? fc.oneof(
        { weight: 4, arbitrary: plainFilter },
        { weight: 1, arbitrary: fc.tuple(shareName, plainFilter).map(([g, f]) => `$share/${g}/${f}`) },
      )
    : plainFilter;

const bytes = (maxLength = 16) => fc.uint8Array({ maxLength });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const subId = fc.integer({ min: 1, max: 268_435_455 });
const packetId = fc.integer({ min: 1, max: 0xffff });
const qos = fc.constantFrom<QoS>(0, 1, 2);

/** Non-empty values: mqtt-packet's parser drops an empty first value of a repeated user property key. */
export const userProperties = fc.array(fc.tuple(str(6), str(6, 1)), { minLength: 1, maxLength: 4 });

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops undefined keys and returns undefined for an empty object. */
function compact<T extends object>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : (out as T);
}

const PROPERTY_ARBS: Record<string, fc.Arbitrary<unknown>> = {
  payloadFormatIndicator: fc.constantFrom(0, 1),
  messageExpiryInterval: u32,
  contentType: str(),
  responseTopic: topicName,
  correlationData: bytes(),
  sessionExpiryInterval: u32,
  assignedClientIdentifier: str(),
  serverKeepAlive: u16,
  authenticationMethod: str(),
  authenticationData: bytes(),
  requestProblemInformation: fc.boolean(),
  willDelayInterval: u32,
  requestResponseInformation: fc.boolean(),
  responseInformation: str(),
  serverReference: str(),
  reasonString: str(),
  receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
  topicAliasMaximum: u16,
  topicAlias: fc.integer({ min: 1, max: 0xffff }),
  maximumQoS: fc.constantFrom(0, 1),
  retainAvailable: fc.boolean(),
  userProperties,
  maximumPacketSize: fc.integer({ min: 1, max: 0xffffffff }),
  wildcardSubscriptionAvailable: fc.boolean(),
  subscriptionIdentifiersAvailable: fc.boolean(),
  sharedSubscriptionAvailable: fc.boolean(),
  subscriptionIdentifier: subId,
  subscriptionIdentifiers: fc.array(subId, { minLength: 1, maxLength: 3 }),
};

const KEYS: Partial<Record<PropertyContext, string[]>> = {
  connect: [
    'sessionExpiryInterval',
    'receiveMaximum',
    'maximumPacketSize',
    'topicAliasMaximum',
    'requestResponseInformation',
    'requestProblemInformation',
    'userProperties',
    'authenticationMethod',
    'authenticationData',
  ],
  connack: [
    'sessionExpiryInterval',
    'receiveMaximum',
    'maximumQoS',
    'retainAvailable',
    'maximumPacketSize',
    'assignedClientIdentifier',
    'topicAliasMaximum',
    'reasonString',
    'userProperties',
    'wildcardSubscriptionAvailable',
    'subscriptionIdentifiersAvailable',
    'sharedSubscriptionAvailable',
    'serverKeepAlive',
    'responseInformation',
    'serverReference',
    'authenticationMethod',
    'authenticationData',
  ],
  publish: [
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'topicAlias',
    'responseTopic',
    'correlationData',
    'userProperties',
    'subscriptionIdentifiers',
    'contentType',
  ],
  will: [
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'contentType',
    'responseTopic',
    'correlationData',
    'willDelayInterval',
    'userProperties',
  ],
  puback: ['reasonString', 'userProperties'],
  pubrec: ['reasonString', 'userProperties'],
  pubrel: ['reasonString', 'userProperties'],
  pubcomp: ['reasonString', 'userProperties'],
  suback: ['reasonString', 'userProperties'],
  unsuback: ['reasonString', 'userProperties'],
  subscribe: ['subscriptionIdentifier', 'userProperties'],
  unsubscribe: ['userProperties'],
  disconnect: ['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference'],
  auth: ['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties'],
};

/** Properties valid in `ctx`; `undefined` when none were drawn. */
export function properties<T extends object = AckProperties>(
  ctx: PropertyContext,
): fc.Arbitrary<T | undefined> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of KEYS[ctx] ?? []) model[k] = opt(PROPERTY_ARBS[k]!);
  return fc.record(model).map((o) => {
    const p = compact(o) as Record<string, unknown> | undefined;
    // Authentication Data is only valid next to an Authentication Method.
    if (p?.authenticationData !== undefined && p.authenticationMethod === undefined)
      p.authenticationMethod = 'm';
    return p as T | undefined;
  });
}

const withProps = <P extends object>(packet: P, props: object | undefined): P =>
  props === undefined ? packet : { ...packet, properties: props };

const codes = (type: keyof typeof REASON_CODES_BY_PACKET) =>
  fc.constantFrom(...REASON_CODES_BY_PACKET[type]!);

export interface PacketArbOptions {
  /** mqtt-packet refuses a password without a username, even in 5.0. */
  passwordNeedsUsername?: boolean;
  /** mqtt-packet refuses an empty client identifier with cleanStart false, or in 3.1. */
  clientIdRules?: boolean;
}

export function packetArb(version: ProtocolVersion, options: PacketArbOptions = {}): fc.Arbitrary<Packet> {
  const v5 = version === 5;
  const none = fc.constant(undefined);
  const props = (ctx: PropertyContext) => (v5 ? properties(ctx) : none);

  const will = fc
    .record({ topic: topicName, payload: bytes(), qos, retain: fc.boolean(), properties: props('will') })
    .map((w) =>
      withProps({ topic: w.topic, payload: w.payload, qos: w.qos, retain: w.retain }, w.properties),
    );

  const connect = fc
    .record({
      clientId: str(23),
      cleanStart: fc.boolean(),
      keepAlive: u16,
      username: opt(str()),
      password: opt(bytes()),
      will: opt(will),
      properties: props('connect'),
    })
    .map((c): Packet => {
      let { clientId, cleanStart, username } = c;
      if (!v5 && c.password !== undefined && username === undefined) username = 'u';
      if (options.passwordNeedsUsername && c.password !== undefined && username === undefined) username = 'u';
      if (options.clientIdRules && clientId === '' && (version === 3 || !cleanStart)) clientId = 'id';
      const p: Extract<Packet, { type: 'connect' }> = {
        type: 'connect',
        protocolVersion: version,
        protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
        clientId,
        cleanStart,
        keepAlive: c.keepAlive,
      };
      if (c.will) p.will = c.will;
      if (username !== undefined) p.username = username;
      if (c.password !== undefined) p.password = c.password;
      return withProps(p, c.properties);
    });

  const connack = fc
    .record({
      sessionPresent: fc.boolean(),
      reasonCode: v5 ? codes('connack') : fc.integer({ min: 0, max: 5 }),
      properties: props('connack'),
    })
    .map(
      (c): Packet =>
        withProps(
          {
            type: 'connack',
            sessionPresent: c.sessionPresent && c.reasonCode === 0,
            reasonCode: c.reasonCode,
          },
          c.properties,
        ),
    );

  const publish = fc
    .record({
      topic: topicName,
      payload: bytes(64),
      qos,
      retain: fc.boolean(),
      dup: fc.boolean(),
      packetId,
      properties: props('publish'),
      aliasOnly: fc.boolean(),
    })
    .map((p): Packet => {
      const out: Extract<Packet, { type: 'publish' }> = {
        type: 'publish',
        topic: p.aliasOnly && p.properties && 'topicAlias' in p.properties ? '' : p.topic,
        payload: p.payload,
        qos: p.qos,
        retain: p.retain,
        dup: p.qos > 0 && p.dup,
      };
      if (p.qos > 0) out.packetId = p.packetId;
      return withProps(out, p.properties);
    });

  const ack = (type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp') =>
    fc
      .record({ packetId, reasonCode: codes(type), properties: props(type) })
      .map(
        (a): Packet =>
          v5
            ? withProps({ type, packetId: a.packetId, reasonCode: a.reasonCode }, a.properties)
            : { type, packetId: a.packetId },
      );

  const subscription = v5
    ? fc
        .record({
          topicFilter: topicFilter(5),
          qos,
          noLocal: fc.boolean(),
          retainAsPublished: fc.boolean(),
          retainHandling: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
        })
        .map((s) => (s.topicFilter.startsWith('$share/') ? { ...s, noLocal: false } : s))
    : fc.record({ topicFilter: topicFilter(version), qos });

  const subscribe = fc
    .record({
      packetId,
      subscriptions: fc.array(subscription, { minLength: 1, maxLength: 4 }),
      properties: props('subscribe'),
    })
    .map(
      (s): Packet =>
        withProps({ type: 'subscribe', packetId: s.packetId, subscriptions: s.subscriptions }, s.properties),
    );

  const suback = fc
    .record({
      packetId,
      reasonCodes: fc.array(v5 ? codes('suback') : fc.constantFrom(0, 1, 2, 0x80), {
        minLength: 1,
        maxLength: 4,
      }),
      properties: props('suback'),
    })
    .map(
      (s): Packet =>
        withProps({ type: 'suback', packetId: s.packetId, reasonCodes: s.reasonCodes }, s.properties),
    );

  const unsubscribe = fc
    .record({
      packetId,
      topicFilters: fc.array(topicFilter(version), { minLength: 1, maxLength: 4 }),
      properties: props('unsubscribe'),
    })
    .map(
      (u): Packet =>
        withProps({ type: 'unsubscribe', packetId: u.packetId, topicFilters: u.topicFilters }, u.properties),
    );

  const unsuback = fc
    .record({
      packetId,
      reasonCodes: fc.array(codes('unsuback'), { minLength: 1, maxLength: 4 }),
      properties: props('unsuback'),
    })
    .map(
      (u): Packet =>
        v5
          ? withProps({ type: 'unsuback', packetId: u.packetId, reasonCodes: u.reasonCodes }, u.properties)
          : { type: 'unsuback', packetId: u.packetId, reasonCodes: [] },
    );

  const disconnect = fc
    .record({ reasonCode: codes('disconnect'), properties: props('disconnect') })
    .map(
      (d): Packet =>
        v5
          ? withProps({ type: 'disconnect', reasonCode: d.reasonCode }, d.properties)
          : { type: 'disconnect' },
    );

  const auth = fc
    .record({ reasonCode: codes('auth'), method: str(), properties: properties<object>('auth') })
    .map(
      (a): Packet => ({
        type: 'auth',
        reasonCode: a.reasonCode,
        properties: { ...a.properties, authenticationMethod: a.method },
      }),
    );

  const all: fc.Arbitrary<Packet>[] = [
    connect,
    connack,
    publish,
    publish,
    ack('puback'),
    ack('pubrec'),
    ack('pubrel'),
    ack('pubcomp'),
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    fc.constant<Packet>({ type: 'pingreq' }),
    fc.constant<Packet>({ type: 'pingresp' }),
    disconnect,
  ];
  if (v5) all.push(auth);
  return fc.oneof(...all);
}
