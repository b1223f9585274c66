import { describe, expect, it } from 'vitest';
import {
  MqttProtocolError,
  PACKET_TYPE_CODE,
  PACKET_TYPE_NAME,
  PacketType,
  PROPERTIES,
  PROPERTY_BY_ID,
  PropertyId,
  ReasonCode,
  reasonCodeName,
} from '../src/index.js';

describe('constants', () => {
  it('maps packet type codes and names both ways', () => {
    for (const [name, code] of Object.entries(PacketType)) {
      expect(PACKET_TYPE_NAME[code]).toBe(name.toLowerCase());
      expect(PACKET_TYPE_CODE[name.toLowerCase() as keyof typeof PACKET_TYPE_CODE]).toBe(code);
    }
  });

  it('names reason codes, disambiguating 0x00 by packet type', () => {
    expect(reasonCodeName(ReasonCode.NotAuthorized)).toBe('NotAuthorized');
    expect(reasonCodeName(0, 'disconnect')).toBe('NormalDisconnection');
    expect(reasonCodeName(0, PacketType.SUBACK)).toBe('GrantedQoS0');
    expect(reasonCodeName(0)).toBe('Success');
    expect(reasonCodeName(0x03)).toBe('Unknown(0x03)');
  });

  it('has one PROPERTIES row per PropertyId with a unique name', () => {
    expect(PROPERTIES.map((p) => p.id).sort((a, b) => a - b)).toEqual(
      Object.values(PropertyId).sort((a, b) => a - b),
    );
    expect(new Set(PROPERTIES.map((p) => p.name)).size).toBe(PROPERTIES.length);
    expect(PROPERTY_BY_ID.get(0x23)?.name).toBe('topicAlias');
    expect(PROPERTY_BY_ID.get(0x26)?.allowedIn).toContain('will');
  });

  it('builds errors with a default reason code and field', () => {
    const e = new MqttProtocolError('PACKET_TOO_LARGE', 'too big', { field: 'packet' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('MqttProtocolError');
    expect(e.reasonCode).toBe(0x95);
    expect(e.field).toBe('packet');
    expect(new MqttProtocolError('RESERVED_FLAGS', 'x', { reasonCode: 0x82 }).reasonCode).toBe(0x82);
  });
});
