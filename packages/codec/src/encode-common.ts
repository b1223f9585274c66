/** Checks shared by the per-packet encoders. Each throws what a sender must not send. */
import type { ProtocolVersion } from './constants.js';
import { protocolError } from './errors.js';
import { stringLength } from './properties.js';
import { topicFilterProblem } from './topic.js';

/** Property block sizes found by the length pass, handed to the write pass so nothing is measured twice. */
export interface Sizes {
  props: number;
  willProps: number;
  /** UTF-8 byte length of the PUBLISH topic. */
  topic: number;
}

export function newSizes(): Sizes {
  return { props: 0, willProps: 0, topic: 0 };
}

/** A non-zero 16-bit Packet Identifier [MQTT-2.2.1-3] (5.0), [MQTT-2.3.1-1] (3.1.1). */
export function checkPacketId(id: unknown, field: string): void {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 0xffff) {
    throw protocolError('INVALID_PACKET_ID', field, `must be an integer 1..65535, got ${String(id)}`);
  }
}

export function checkQos(qos: unknown, field: string): void {
  if (qos !== 0 && qos !== 1 && qos !== 2)
    throw protocolError('INVALID_QOS', field, `must be 0, 1 or 2, got ${String(qos)}`);
}

export function checkReasonCode(code: number, allowed: ReadonlySet<number>, field: string): void {
  if (!allowed.has(code))
    throw protocolError('INVALID_REASON_CODE', field, `code ${String(code)} is not allowed here`);
}

export function checkUint16(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${field}: must be an integer 0..65535, got ${String(value)}`);
  }
}

/** Encoded size of a Topic Filter (with its length prefix), checked [MQTT-4.7.1-1..3, MQTT-4.8.2-1..2]. */
export function topicFilterLength(filter: string, version: ProtocolVersion, field: string): number {
  const n = stringLength(filter, field);
  const problem = topicFilterProblem(filter, version === 5);
  if (problem) throw protocolError('INVALID_TOPIC_FILTER', field, problem);
  return 2 + n;
}

/** Number of reason codes, checked: at least one, each from `allowed`. */
export function reasonCodesLength(codes: number[], allowed: ReadonlySet<number>, field: string): number {
  if (!Array.isArray(codes) || codes.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', field, 'must contain one code per Topic Filter');
  }
  for (const c of codes) checkReasonCode(c, allowed, field);
  return codes.length;
}
