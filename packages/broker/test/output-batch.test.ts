import { decodePacket, encodePacket } from '@mq/codec';
import { describe, expect, it } from 'vitest';
import { ACK_TEMPLATES } from '../src/acks.js';
import { packetIdOffset } from '../src/outgoing.js';
import { OutputBatch } from '../src/output-batch.js';
import { text } from './harness.js';

describe('OutputBatch', () => {
  it('joins queued packets into one buffer, patching packet ids into copies of shared templates', () => {
    const template = encodePacket(
      {
        type: 'publish',
        topic: 'a/b',
        payload: text('hello'),
        qos: 1,
        packetId: 1,
        retain: false,
        dup: false,
      },
      4,
    );
    const original = [...template];
    const batch = new OutputBatch();
    batch.push(template, packetIdOffset(template), 0x1234, false);
    batch.push(ACK_TEMPLATES.puback, 2, 7, false);
    batch.push(template, packetIdOffset(template), 65535, true);
    expect(batch.length).toBe(3);
    const out = batch.take()!;
    expect(out.length).toBe(2 * template.length + 4);
    expect(batch.bytes).toBe(0);
    expect([...template]).toEqual(original);
    expect(ACK_TEMPLATES.puback).toEqual(Uint8Array.of(0x40, 2, 0, 0));

    const first = decodePacket(out.subarray(0, template.length), { protocolVersion: 4, side: 'client' });
    expect(first).toMatchObject({ type: 'publish', packetId: 0x1234, dup: false, topic: 'a/b' });
    const ack = decodePacket(out.subarray(template.length, template.length + 4), {
      protocolVersion: 4,
      side: 'client',
    });
    expect(ack).toEqual({ type: 'puback', packetId: 7 });
    const last = decodePacket(out.subarray(template.length + 4), { protocolVersion: 4, side: 'client' });
    expect(last).toMatchObject({ type: 'publish', packetId: 65535, dup: true });
  });

  it('hands a single unpatched chunk over as is, and nothing when empty', () => {
    const batch = new OutputBatch();
    expect(batch.take()).toBeUndefined();
    const chunk = Uint8Array.of(0xd0, 0);
    batch.push(chunk);
    expect(batch.take()).toBe(chunk);
    expect(batch.take()).toBeUndefined();
  });
});
