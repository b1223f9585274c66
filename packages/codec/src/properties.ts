/**
 * MQTT 5.0 properties (section 2.2.2): decode with the allowed-per-packet, duplicate and value range checks,
 * and the two encoder passes (exact length, then write).
 */
import {
  PACKET_TYPE_CODE,
  PROPERTIES,
  PROPERTY_CONTEXTS,
  type PropertyContext,
  type PropertyDataType,
  type PropertyInfo,
} from './constants.js';
import { protocolError } from './errors.js';
import type { Properties } from './packets.js';
import type { Reader } from './reader.js';
import { topicNameProblem } from './topic.js';
import { utf8Length } from './utf8.js';
import { isVarintValue, varintLength } from './varint.js';
import type { Writer } from './writer.js';

const contextBit = (ctx: PropertyContext): number => (ctx === 'will' ? 1 : 1 << PACKET_TYPE_CODE[ctx]);

interface PropertyRule {
  readonly id: number;
  readonly key: string;
  readonly type: PropertyDataType;
  readonly mask: number;
  /** On-the-wire byte 0/1 exposed as boolean. */
  readonly boolean: boolean;
}

const BOOLEAN_KEYS = new Set([
  'requestProblemInformation',
  'requestResponseInformation',
  'retainAvailable',
  'wildcardSubscriptionAvailable',
  'subscriptionIdentifiersAvailable',
  'sharedSubscriptionAvailable',
]);

function rule(info: PropertyInfo, key = info.name, mask?: number): PropertyRule {
  const m = mask ?? info.allowedIn.reduce((acc, ctx) => acc | contextBit(ctx), 0);
  return { id: info.id, key, type: info.type, mask: m, boolean: BOOLEAN_KEYS.has(info.name) };
}

const RULE_BY_ID: (PropertyRule | undefined)[] = [];
const RULE_BY_KEY = new Map<string, PropertyRule>();
for (const info of PROPERTIES) {
  if (info.id === 0x0b) {
    // One identifier, two shapes: repeated in PUBLISH (array), single in SUBSCRIBE.
    const pub = rule(info, 'subscriptionIdentifiers', contextBit('publish'));
    const sub = rule(info, 'subscriptionIdentifier', contextBit('subscribe'));
    RULE_BY_ID[info.id] = { ...sub, mask: pub.mask | sub.mask };
    RULE_BY_KEY.set(pub.key, pub);
    RULE_BY_KEY.set(sub.key, sub);
  } else {
    const r = rule(info);
    RULE_BY_ID[info.id] = r;
    RULE_BY_KEY.set(r.key, r);
  }
}

const PUBLISH_BIT = contextBit('publish');

/** Field names for error messages, built once: FIELDS[ctx][id] = 'publish.properties.topicAlias'. */
const FIELDS = new Map<PropertyContext, string[]>(
  PROPERTY_CONTEXTS.map((ctx) => {
    const names: string[] = [];
    for (const pr of RULE_BY_ID) {
      if (pr === undefined) continue;
      const key = pr.id === 0x0b && ctx === 'publish' ? 'subscriptionIdentifiers' : pr.key;
      names[pr.id] = `${ctx}.properties.${key}`;
    }
    names[0] = `${ctx}.properties`;
    return [ctx, names];
  }),
);

function fieldOf(ctx: PropertyContext, key: string): string {
  return `${ctx}.properties.${key}`;
}

/** Reads a Property Length and the properties after it; undefined when there are none. */
export function decodeProperties(r: Reader, ctx: PropertyContext): Properties | undefined {
  const fields = FIELDS.get(ctx)!;
  const len = r.varint(fields[0]!);
  if (len === 0) return undefined;
  if (len > r.remaining) {
    throw protocolError(
      'MALFORMED_LENGTH',
      fields[0]!,
      `Property Length ${len} exceeds the ${r.remaining} byte(s) left in the packet`,
    );
  }
  const outerEnd = r.end;
  const end = r.pos + len;
  r.end = end;
  const bit = contextBit(ctx);
  const props: Record<string, unknown> = {};
  while (r.pos < end) {
    const id = r.varint(fields[0]!);
    const pr = RULE_BY_ID[id];
    if (pr === undefined) {
      throw protocolError('UNKNOWN_PROPERTY', fields[0]!, `unknown property identifier 0x${id.toString(16)}`);
    }
    const field = fields[id]!;
    if ((pr.mask & bit) === 0) throw protocolError('PROPERTY_NOT_ALLOWED', field, `not allowed in ${ctx}`);
    switch (pr.type) {
      case 'utf8Pair': {
        const name = r.utf8(field);
        const value = r.utf8(field);
        const list = props.userProperties as [string, string][] | undefined;
        if (list) list.push([name, value]);
        else props.userProperties = [[name, value]];
        continue;
      }
      case 'varInt': {
        const v = r.varint(field);
        if (v === 0) throw protocolError('INVALID_PROPERTY_VALUE', field, 'must not be 0');
        if (bit === PUBLISH_BIT) {
          const list = props.subscriptionIdentifiers as number[] | undefined;
          if (list) list.push(v);
          else props.subscriptionIdentifiers = [v];
          continue;
        }
        setOnce(props, pr.key, v, field);
        continue;
      }
      case 'byte': {
        const v = r.u8(field);
        if (v > 1) throw protocolError('INVALID_PROPERTY_VALUE', field, `must be 0 or 1, got ${v}`);
        setOnce(props, pr.key, pr.boolean ? v === 1 : v, field);
        continue;
      }
      case 'twoByteInt': {
        const v = r.u16(field);
        if (v === 0) {
          if (pr.id === 0x23)
            throw protocolError('INVALID_TOPIC_ALIAS', field, 'Topic Alias 0 is not permitted');
          if (pr.id === 0x21)
            throw protocolError('INVALID_PROPERTY_VALUE', field, 'Receive Maximum must not be 0');
        }
        setOnce(props, pr.key, v, field);
        continue;
      }
      case 'fourByteInt': {
        const v = r.u32(field);
        if (v === 0 && pr.id === 0x27) {
          throw protocolError('INVALID_PROPERTY_VALUE', field, 'Maximum Packet Size must not be 0');
        }
        setOnce(props, pr.key, v, field);
        continue;
      }
      case 'utf8': {
        const v = r.utf8(field);
        if (pr.id === 0x08) {
          const problem = topicNameProblem(v);
          if (problem) throw protocolError('INVALID_PROPERTY_VALUE', field, `Response Topic ${problem}`);
        }
        setOnce(props, pr.key, v, field);
        continue;
      }
      case 'binary':
        setOnce(props, pr.key, r.binary(field), field);
        continue;
    }
  }
  r.end = outerEnd;
  if (props.authenticationData !== undefined && props.authenticationMethod === undefined) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      `${ctx}.properties.authenticationData`,
      'Authentication Data without Authentication Method',
    );
  }
  return props as Properties;
}

function setOnce(props: Record<string, unknown>, key: string, value: unknown, field: string): void {
  if (props[key] !== undefined)
    throw protocolError('DUPLICATE_PROPERTY', field, 'must not appear more than once');
  props[key] = value;
}

/**
 * Encoded size of the properties content (without the Property Length prefix), after checking that every
 * property is allowed in `ctx` and in range. Throws what a sender must not send.
 */
export function propertiesLength(props: Properties | undefined, ctx: PropertyContext): number {
  if (props === undefined || props === null) return 0;
  const bit = contextBit(ctx);
  const fields = FIELDS.get(ctx)!;
  const bag = props as Record<string, unknown>;
  let total = 0;
  for (const key in bag) {
    const value = bag[key];
    if (value === undefined) continue;
    const pr = RULE_BY_KEY.get(key);
    if (pr === undefined) throw new TypeError(`${fieldOf(ctx, key)}: unknown property`);
    if ((pr.mask & bit) === 0)
      throw protocolError('PROPERTY_NOT_ALLOWED', fieldOf(ctx, key), `not allowed in ${ctx}`);
    total += valueLength(pr, value, fields[pr.id]!);
  }
  if (bag.authenticationData !== undefined && bag.authenticationMethod === undefined) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      `${ctx}.properties.authenticationData`,
      'Authentication Data without Authentication Method',
    );
  }
  return total;
}

function valueLength(pr: PropertyRule, value: unknown, field: string): number {
  switch (pr.type) {
    case 'byte': {
      const v = pr.boolean ? boolByte(value, field) : (value as number);
      if (v !== 0 && v !== 1)
        throw protocolError('INVALID_PROPERTY_VALUE', field, `must be 0 or 1, got ${String(v)}`);
      return 2;
    }
    case 'twoByteInt': {
      const v = value as number;
      checkInt(v, 0xffff, field);
      if (v === 0 && pr.key === 'topicAlias') {
        throw protocolError('INVALID_TOPIC_ALIAS', field, 'Topic Alias 0 is not permitted');
      }
      if (v === 0 && pr.key === 'receiveMaximum') {
        throw protocolError('INVALID_PROPERTY_VALUE', field, 'Receive Maximum must not be 0');
      }
      return 3;
    }
    case 'fourByteInt': {
      const v = value as number;
      checkInt(v, 0xffffffff, field);
      if (v === 0 && pr.key === 'maximumPacketSize') {
        throw protocolError('INVALID_PROPERTY_VALUE', field, 'Maximum Packet Size must not be 0');
      }
      return 5;
    }
    case 'varInt': {
      if (pr.key === 'subscriptionIdentifiers') {
        if (!Array.isArray(value)) throw new TypeError(`${field}: expected an array of numbers`);
        let n = 0;
        for (const id of value as number[]) n += 1 + subscriptionIdLength(id, field);
        return n;
      }
      return 1 + subscriptionIdLength(value as number, field);
    }
    case 'utf8': {
      const v = value as string;
      if (pr.key === 'responseTopic') {
        const problem = typeof v === 'string' ? topicNameProblem(v) : undefined;
        if (problem) throw protocolError('INVALID_PROPERTY_VALUE', field, `Response Topic ${problem}`);
      }
      return 3 + stringLength(v, field);
    }
    case 'binary':
      return 3 + binaryLength(value, field);
    case 'utf8Pair': {
      if (!Array.isArray(value)) throw new TypeError(`${field}: expected an array of [name, value] pairs`);
      let n = 0;
      for (const pair of value as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw new TypeError(`${field}: expected [name, value] pairs`);
        n += 5 + stringLength(pair[0] as string, field) + stringLength(pair[1] as string, field);
      }
      return n;
    }
  }
}

function boolByte(value: unknown, field: string): number {
  if (typeof value !== 'boolean') throw new TypeError(`${field}: expected a boolean`);
  return value ? 1 : 0;
}

function checkInt(v: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw protocolError('INVALID_PROPERTY_VALUE', field, `must be an integer 0..${max}, got ${String(v)}`);
  }
}

function subscriptionIdLength(id: number, field: string): number {
  if (!isVarintValue(id) || id === 0) {
    throw protocolError('INVALID_PROPERTY_VALUE', field, `must be 1..268435455, got ${String(id)}`);
  }
  return varintLength(id);
}

/** Byte length of a UTF-8 Encoded String value, checked to fit the 2-byte length. */
export function stringLength(value: string, field: string): number {
  const n = utf8Length(value, field);
  if (n > 0xffff) throw protocolError('STRING_TOO_LONG', field, `${n} bytes exceed 65,535`);
  return n;
}

/** Byte length of a Binary Data value, checked to fit the 2-byte length. */
export function binaryLength(value: unknown, field: string): number {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field}: expected a Uint8Array`);
  if (value.length > 0xffff)
    throw protocolError('STRING_TOO_LONG', field, `${value.length} bytes exceed 65,535`);
  return value.length;
}

/** Writes Property Length `len` (from propertiesLength) and the properties. */
export function writeProperties(w: Writer, props: Properties | undefined, len: number): void {
  w.varint(len);
  if (len === 0 || props === undefined) return;
  const bag = props as Record<string, unknown>;
  for (const key in bag) {
    const value = bag[key];
    if (value === undefined) continue;
    const pr = RULE_BY_KEY.get(key)!;
    switch (pr.type) {
      case 'byte':
        w.u8(pr.id);
        w.u8(pr.boolean ? (value ? 1 : 0) : (value as number));
        break;
      case 'twoByteInt':
        w.u8(pr.id);
        w.u16(value as number);
        break;
      case 'fourByteInt':
        w.u8(pr.id);
        w.u32(value as number);
        break;
      case 'varInt':
        if (Array.isArray(value)) {
          for (const id of value as number[]) {
            w.u8(pr.id);
            w.varint(id);
          }
        } else {
          w.u8(pr.id);
          w.varint(value as number);
        }
        break;
      case 'utf8':
        w.u8(pr.id);
        w.utf8(value as string);
        break;
      case 'binary':
        w.u8(pr.id);
        w.binary(value as Uint8Array);
        break;
      case 'utf8Pair':
        for (const [name, v] of value as [string, string][]) {
          w.u8(pr.id);
          w.utf8(name);
          w.utf8(v);
        }
        break;
    }
  }
}
