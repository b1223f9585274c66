/**
 * Field mapping between @mq/codec packets and mqtt-packet@9 objects, for the differential tests.
 * mqtt-packet differences handled here:
 * - names: cmd/messageId/clean/keepalive/protocolId/returnCode/granted/unsubscriptions, subscription topic/nl/rap/rh;
 * - User Properties are an object (key -> value | value[]), so pairs are regrouped by key (`regroup`);
 * - 'byte' properties are booleans (payloadFormatIndicator too); Subscription Identifier is a number or array.
 */
import type { Packet, Properties, ProtocolVersion } from '../src/index.js';

type Obj = Record<string, unknown>;
type Pairs = [string, string][];

/** mqtt-packet's object form of User Properties, with its key order (integer-like keys first). */
function groupPairs(pairs: Pairs): Obj {
  const out: Obj = Object.create(null);
  for (const [k, v] of pairs) {
    const cur = out[k];
    if (cur === undefined) out[k] = v;
    else if (Array.isArray(cur)) cur.push(v);
    else out[k] = [cur, v];
  }
  return out;
}

function flattenPairs(obj: Obj): Pairs {
  const out: Pairs = [];
  for (const k of Object.getOwnPropertyNames(obj)) {
    const v = obj[k];
    if (Array.isArray(v)) for (const x of v) out.push([k, String(x)]);
    else out.push([k, String(v)]);
  }
  return out;
}

/** User Properties in the order they come out of a round trip through mqtt-packet's object form. */
export function regroup(pairs: Pairs): Pairs {
  return flattenPairs(groupPairs(pairs));
}

const BOOLEAN_ON_WIRE = new Set([
  'requestProblemInformation',
  'requestResponseInformation',
  'retainAvailable',
  'wildcardSubscriptionAvailable',
  'subscriptionIdentifiersAvailable',
  'sharedSubscriptionAvailable',
]);

function propsToTheirs(p: Properties | undefined): Obj | undefined {
  if (p === undefined) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    if (k === 'userProperties') out.userProperties = groupPairs(v as Pairs);
    else if (k === 'subscriptionIdentifiers') {
      const ids = v as number[];
      out.subscriptionIdentifier = ids.length === 1 ? ids[0] : ids;
    } else if (k === 'payloadFormatIndicator') out[k] = v === 1;
    else if (v instanceof Uint8Array) out[k] = Buffer.from(v);
    else out[k] = v;
  }
  return out;
}

function propsFromTheirs(p: unknown, context: 'publish' | 'other'): Properties | undefined {
  if (p === undefined || p === null) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(p as Obj)) {
    if (k === 'userProperties') out.userProperties = flattenPairs(v as Obj);
    else if (k === 'subscriptionIdentifier' && context === 'publish')
      out.subscriptionIdentifiers = Array.isArray(v) ? v : [v];
    else if (k === 'payloadFormatIndicator') out[k] = Number(v);
    else if (BOOLEAN_ON_WIRE.has(k)) out[k] = Boolean(v);
    else if (v instanceof Uint8Array) out[k] = new Uint8Array(v);
    else out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : (out as Properties);
}

const withProps = (o: Obj, props: Obj | Properties | undefined): Obj =>
  props === undefined ? o : { ...o, properties: props };

/** Our packet as an mqtt-packet object, for mqtt.generate. */
export function toTheirs(p: Packet, version: ProtocolVersion): Obj {
  const v5 = version === 5;
  switch (p.type) {
    case 'connect': {
      const o: Obj = {
        cmd: 'connect',
        protocolId: p.protocolName,
        protocolVersion: p.protocolVersion,
        clean: p.cleanStart,
        clientId: p.clientId,
        keepalive: p.keepAlive,
      };
      if (p.username !== undefined) o.username = p.username;
      if (p.password !== undefined) o.password = Buffer.from(p.password);
      if (p.will)
        o.will = withProps(
          {
            topic: p.will.topic,
            payload: Buffer.from(p.will.payload),
            qos: p.will.qos,
            retain: p.will.retain,
          },
          propsToTheirs(p.will.properties),
        );
      return withProps(o, propsToTheirs(p.properties));
    }
    case 'connack':
      return withProps(
        {
          cmd: 'connack',
          sessionPresent: p.sessionPresent,
          [v5 ? 'reasonCode' : 'returnCode']: p.reasonCode,
        },
        propsToTheirs(p.properties),
      );
    case 'publish': {
      const o: Obj = {
        cmd: 'publish',
        topic: p.topic,
        payload: Buffer.from(p.payload),
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
      };
      if (p.packetId !== undefined) o.messageId = p.packetId;
      return withProps(o, propsToTheirs(p.properties));
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return withProps(
        { cmd: p.type, messageId: p.packetId, ...(v5 ? { reasonCode: p.reasonCode ?? 0 } : {}) },
        propsToTheirs(p.properties),
      );
    case 'subscribe':
      return withProps(
        {
          cmd: 'subscribe',
          messageId: p.packetId,
          subscriptions: p.subscriptions.map((s) =>
            v5
              ? {
                  topic: s.topicFilter,
                  qos: s.qos,
                  nl: s.noLocal ?? false,
                  rap: s.retainAsPublished ?? false,
                  rh: s.retainHandling ?? 0,
                }
              : { topic: s.topicFilter, qos: s.qos },
          ),
        },
        propsToTheirs(p.properties),
      );
    case 'suback':
      return withProps(
        { cmd: 'suback', messageId: p.packetId, granted: p.reasonCodes },
        propsToTheirs(p.properties),
      );
    case 'unsubscribe':
      return withProps(
        { cmd: 'unsubscribe', messageId: p.packetId, unsubscriptions: p.topicFilters },
        propsToTheirs(p.properties),
      );
    case 'unsuback':
      return withProps(
        { cmd: 'unsuback', messageId: p.packetId, ...(v5 ? { granted: p.reasonCodes } : {}) },
        propsToTheirs(p.properties),
      );
    case 'pingreq':
    case 'pingresp':
      return { cmd: p.type };
    case 'disconnect':
      return withProps(
        { cmd: 'disconnect', ...(v5 ? { reasonCode: p.reasonCode ?? 0 } : {}) },
        propsToTheirs(p.properties),
      );
    case 'auth':
      return withProps({ cmd: 'auth', reasonCode: p.reasonCode ?? 0 }, propsToTheirs(p.properties));
  }
}

/** An mqtt-packet parse result as our packet. */
export function fromTheirs(t: Obj, version: ProtocolVersion): Packet {
  const v5 = version === 5;
  const props = (ctx: 'publish' | 'other' = 'other') => propsFromTheirs(t.properties, ctx);
  const wp = <P extends object>(o: P, pr: Properties | undefined): P =>
    pr === undefined ? o : { ...o, properties: pr };
  switch (t.cmd) {
    case 'connect': {
      const p: Extract<Packet, { type: 'connect' }> = {
        type: 'connect',
        protocolVersion: t.protocolVersion as ProtocolVersion,
        protocolName: t.protocolId as 'MQTT',
        clientId: t.clientId as string,
        cleanStart: t.clean as boolean,
        keepAlive: t.keepalive as number,
      };
      const w = t.will as Obj | undefined;
      if (w) {
        p.will = wp(
          {
            topic: w.topic as string,
            payload: new Uint8Array(w.payload as Buffer),
            qos: w.qos as 0,
            retain: w.retain as boolean,
          },
          propsFromTheirs(w.properties, 'other'),
        );
      }
      if (t.username !== undefined) p.username = t.username as string;
      if (t.password !== undefined) p.password = new Uint8Array(t.password as Buffer);
      return wp(p, props());
    }
    case 'connack':
      return wp(
        {
          type: 'connack',
          sessionPresent: t.sessionPresent as boolean,
          reasonCode: (v5 ? t.reasonCode : t.returnCode) as number,
        },
        props(),
      );
    case 'publish': {
      const p: Extract<Packet, { type: 'publish' }> = {
        type: 'publish',
        topic: t.topic as string,
        payload: new Uint8Array(t.payload as Buffer),
        qos: t.qos as 0,
        retain: t.retain as boolean,
        dup: t.dup as boolean,
      };
      if ((t.qos as number) > 0) p.packetId = t.messageId as number;
      return wp(p, props('publish'));
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp': {
      const type = t.cmd as 'puback';
      if (!v5) return { type, packetId: t.messageId as number };
      return wp(
        { type, packetId: t.messageId as number, reasonCode: (t.reasonCode as number | undefined) ?? 0 },
        props(),
      );
    }
    case 'subscribe':
      return wp(
        {
          type: 'subscribe',
          packetId: t.messageId as number,
          subscriptions: (t.subscriptions as Obj[]).map((s) =>
            v5
              ? {
                  topicFilter: s.topic as string,
                  qos: s.qos as 0,
                  noLocal: s.nl as boolean,
                  retainAsPublished: s.rap as boolean,
                  retainHandling: s.rh as 0,
                }
              : { topicFilter: s.topic as string, qos: s.qos as 0 },
          ),
        },
        props(),
      );
    case 'suback':
      return wp(
        { type: 'suback', packetId: t.messageId as number, reasonCodes: t.granted as number[] },
        props(),
      );
    case 'unsubscribe':
      return wp(
        { type: 'unsubscribe', packetId: t.messageId as number, topicFilters: t.unsubscriptions as string[] },
        props(),
      );
    case 'unsuback':
      return wp(
        { type: 'unsuback', packetId: t.messageId as number, reasonCodes: v5 ? (t.granted as number[]) : [] },
        props(),
      );
    case 'pingreq':
    case 'pingresp':
      return { type: t.cmd };
    case 'disconnect':
      return v5
        ? wp({ type: 'disconnect', reasonCode: (t.reasonCode as number | undefined) ?? 0 }, props())
        : { type: 'disconnect' };
    case 'auth':
      return wp({ type: 'auth', reasonCode: (t.reasonCode as number | undefined) ?? 0 }, props());
    default:
      throw new Error(`unexpected mqtt-packet cmd ${String(t.cmd)}`);
  }
}

/** Our packet with User Properties in mqtt-packet's grouped order: what survives either direction. */
export function canonical(p: Packet): Packet {
  const fix = (props: Properties | undefined) =>
    props?.userProperties ? { ...props, userProperties: regroup(props.userProperties) } : props;
  const out = { ...p } as Packet & { properties?: Properties; will?: { properties?: Properties } };
  if (out.properties) out.properties = fix(out.properties);
  if (out.type === 'connect' && out.will?.properties)
    out.will = { ...out.will, properties: fix(out.will.properties) };
  return out;
}
