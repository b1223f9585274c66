/**
 * Bench payload: a 24-byte header then filler up to the requested size.
 *   0  u32  run id (messages of another run on the same broker are ignored)
 *   4  u32  publisher index
 *   8  u32  sequence number (per publisher, from 0)
 *   12 u32  reserved
 *   16 f64  send time, ms on the process clock (performance.timeOrigin + performance.now())
 */
export const HEADER_SIZE = 24;

export interface PayloadHeader {
  runId: number;
  publisher: number;
  seq: number;
  sentAt: number;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A template with the filler written once; each message copies it and stamps the header. */
export function createPayloadFactory(size: number, runId: number, publisher: number) {
  if (!Number.isInteger(size) || size < HEADER_SIZE) {
    throw new RangeError(`payload size must be an integer >= ${HEADER_SIZE}, got ${size}`);
  }
  const template = Buffer.alloc(size, 0x2e);
  template.writeUInt32BE(runId >>> 0, 0);
  template.writeUInt32BE(publisher >>> 0, 4);
  template.writeUInt32BE(0, 12);
  // A fresh copy per message: a queued QoS 1/2 message must not change under the client's feet.
  return (seq: number, sentAt: number): Buffer => {
    const buf = Buffer.allocUnsafe(size);
    template.copy(buf);
    buf.writeUInt32BE(seq >>> 0, 8);
    buf.writeDoubleBE(sentAt, 16);
    return buf;
  };
}

export function readHeader(payload: Uint8Array): PayloadHeader | undefined {
  if (payload.byteLength < HEADER_SIZE) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    runId: view.getUint32(0),
    publisher: view.getUint32(4),
    seq: view.getUint32(8),
    sentAt: view.getFloat64(16),
  };
}
