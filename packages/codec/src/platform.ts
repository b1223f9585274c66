/**
 * Node's Buffer when the runtime has one, else undefined (browsers, workers). Read once at module load;
 * tests force the portable TextEncoder/TextDecoder path by removing `globalThis.Buffer` before import.
 */

/** The Buffer methods the fast paths use. They exist on every Node Buffer since Node 0.x. */
export interface FastBuffer extends Uint8Array {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(value: string, offset: number, length: number): number;
  latin1Write(value: string, offset: number, length: number): number;
}

interface BufferCtor {
  allocUnsafe(size: number): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
  byteLength(value: string, encoding: 'utf8'): number;
  isBuffer(value: unknown): boolean;
  prototype: object;
}

function detect(): BufferCtor | undefined {
  const found = (globalThis as { Buffer?: unknown }).Buffer;
  if (typeof found !== 'function') return undefined;
  const candidate = found as unknown as BufferCtor;
  const proto = candidate.prototype as Partial<FastBuffer>;
  const fast =
    typeof proto.latin1Slice === 'function' &&
    typeof proto.utf8Slice === 'function' &&
    typeof proto.utf8Write === 'function' &&
    typeof proto.latin1Write === 'function';
  return fast ? candidate : undefined;
}

export const NodeBuffer: BufferCtor | undefined = detect();

/** A zero-copy Buffer view of `bytes` (or `bytes` itself when it already is one). Node only. */
export function asFastBuffer(bytes: Uint8Array): FastBuffer {
  const B = NodeBuffer!;
  return (B.isBuffer(bytes) ? bytes : B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as FastBuffer;
}

/**
 * In Node, encoded packets up to POOLED_MAX bytes are carved from a slab of the encoder's own, as Node pools
 * small Buffers: a fresh ArrayBuffer per packet costs more than encoding it, and Node's own pool only takes
 * allocations under 4 KiB, so a 4 KiB PUBLISH would get one every time. Slab space is handed out once and never
 * written again (a full slab is dropped, not rewound), so no returned view can be overwritten by a later
 * encode. The trade-off: a view kept alive keeps its whole slab alive. POOLED_MAX is 1/8 of the slab, which
 * bounds the tail left unused when a slab is replaced to 12.5%. Without Buffer (browsers) every packet gets its
 * own exact ArrayBuffer, so code that sends `bytes.buffer` still works there.
 */
const SLAB_SIZE = 256 * 1024;
const POOLED_MAX = SLAB_SIZE / 8;
let slab: Uint8Array | null = null;
let slabOffset = 0;

/** A new byte array of `size` bytes, contents unspecified (a Buffer in Node). */
export function allocBytes(size: number): Uint8Array {
  const B = NodeBuffer;
  if (B === undefined) return new Uint8Array(size);
  if (size > POOLED_MAX) return B.allocUnsafe(size);
  if (slab === null || slabOffset + size > SLAB_SIZE) {
    slab = B.allocUnsafe(SLAB_SIZE);
    slabOffset = 0;
  }
  const start = slabOffset;
  // Keep each packet 8-byte aligned, like Node's pool.
  slabOffset = (start + size + 7) & ~7;
  return slab.subarray(start, start + size);
}
