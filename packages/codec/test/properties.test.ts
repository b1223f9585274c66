import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodePacket,
  MqttProtocolError,
  PROPERTIES,
  type PropertyContext,
  type PropertyDataType,
} from '../src/index.js';
import { decodeProperties, propertiesLength } from '../src/properties.js';
import { Reader } from '../src/reader.js';
import { hexBytes } from './fixtures.js';
import { frame, plain } from './helpers.js';

const CONTEXTS: PropertyContext[] = [
  'connect',
  'connack',
  'publish',
  'will',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'disconnect',
  'auth',
];

const VALUE_HEX: Record<PropertyDataType, string> = {
  byte: '01',
  twoByteInt: '0001',
  fourByteInt: '00000001',
  varInt: '01',
  utf8: '000161',
  binary: '000161',
  utf8Pair: '000161000162',
};

function decodeProps(ctx: PropertyContext, hex: string) {
  const body = hexBytes(hex);
  const withLength = new Uint8Array(body.length + 1);
  withLength[0] = body.length;
  withLength.set(body, 1);
  // Internal API: in Node the Reader works on Buffers (the decoder wraps every chunk in one).
  return decodeProperties(new Reader(Buffer.from(withLength), 0, withLength.length), ctx);
}

describe('properties allowed per packet (table 2-4)', () => {
  for (const info of PROPERTIES) {
    const hex = `${info.id.toString(16).padStart(2, '0')}${VALUE_HEX[info.type]}`;
    it(`0x${info.id.toString(16)} ${info.name}: decoded where allowed, PROPERTY_NOT_ALLOWED elsewhere`, () => {
      for (const ctx of CONTEXTS) {
        if (info.allowedIn.includes(ctx)) {
          // Authentication Data needs an Authentication Method next to it.
          const extra = info.id === 0x16 ? '15000161' : '';
          expect(decodeProps(ctx, hex + extra)).toBeDefined();
        } else {
          let error: unknown;
          try {
            decodeProps(ctx, hex);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(MqttProtocolError);
          expect((error as MqttProtocolError).code).toBe('PROPERTY_NOT_ALLOWED');
          expect((error as MqttProtocolError).reasonCode).toBe(0x82);
        }
      }
    });
  }

  it('the encoder refuses a property outside its packets too', () => {
    expect(() => propertiesLength({ topicAlias: 1 }, 'connect')).toThrow(MqttProtocolError);
    expect(() => propertiesLength({ subscriptionIdentifiers: [1] }, 'subscribe')).toThrow(MqttProtocolError);
    expect(() => propertiesLength({ subscriptionIdentifier: 1 }, 'publish')).toThrow(MqttProtocolError);
    expect(propertiesLength({ subscriptionIdentifier: 1 }, 'subscribe')).toBe(2);
  });
});

describe('repeatable properties', () => {
  it('keeps User Properties in order with duplicates [MQTT-3.3.2-17] [MQTT-3.3.2-18]', () => {
    const userProperties: [string, string][] = [
      ['b', '1'],
      ['a', '2'],
      ['b', '3'],
      ['b', '1'],
    ];
    const bytes = encodePacket(
      {
        type: 'publish',
        topic: 't',
        payload: new Uint8Array(),
        qos: 0,
        retain: false,
        dup: false,
        properties: { userProperties },
      },
      5,
    );
    expect(decodePacket(bytes, { protocolVersion: 5 })).toMatchObject({ properties: { userProperties } });
  });

  it('collects several Subscription Identifiers in a PUBLISH to a client [MQTT-3.3.4-4]', () => {
    const p = decodePacket(hexBytes(frame('30', '000161 06 0b01 0b7f 0b02')), {
      protocolVersion: 5,
      side: 'client',
    });
    expect(p).toMatchObject({ properties: { subscriptionIdentifiers: [1, 127, 2] } });
  });

  it('decodes every boolean property as a boolean and numbers as numbers', () => {
    const p = decodePacket(hexBytes(frame('20', '00 00 0d 2500 2801 2901 2a00 2401 130005')), {
      protocolVersion: 5,
    });
    expect(plain(p)).toEqual({
      type: 'connack',
      sessionPresent: false,
      reasonCode: 0,
      properties: {
        retainAvailable: false,
        wildcardSubscriptionAvailable: true,
        subscriptionIdentifiersAvailable: true,
        sharedSubscriptionAvailable: false,
        maximumQoS: 1,
        serverKeepAlive: 5,
      },
    });
  });

  it('decodes the largest four-byte integer and Subscription Identifier', () => {
    const p = decodePacket(hexBytes(frame('30', '000161 0a 02ffffffff 0bffffff7f')), { protocolVersion: 5 });
    expect(p).toMatchObject({
      properties: { messageExpiryInterval: 0xffffffff, subscriptionIdentifiers: [268_435_455] },
    });
    const bytes = encodePacket(
      {
        type: 'publish',
        topic: 'a',
        payload: new Uint8Array(),
        qos: 0,
        retain: false,
        dup: false,
        properties: { messageExpiryInterval: 0xffffffff, subscriptionIdentifiers: [268_435_455] },
      },
      5,
    );
    expect(plain(decodePacket(bytes, { protocolVersion: 5 }))).toEqual(plain(p));
  });

  it('refuses out-of-range integers when encoding', () => {
    const pub = (properties: object) =>
      encodePacket(
        {
          type: 'publish',
          topic: 'a',
          payload: new Uint8Array(),
          qos: 0,
          retain: false,
          dup: false,
          properties,
        },
        5,
      );
    expect(() => pub({ messageExpiryInterval: 2 ** 32 })).toThrow(MqttProtocolError);
    expect(() => pub({ topicAlias: 65536 })).toThrow(MqttProtocolError);
    expect(() => pub({ subscriptionIdentifiers: [268_435_456] })).toThrow(MqttProtocolError);
    expect(() => pub({ messageExpiryInterval: 1.5 })).toThrow(MqttProtocolError);
  });
});
