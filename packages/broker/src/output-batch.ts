import { patchPacketId } from './outgoing.js';

/**
 * The packets written to one connection during a tick, joined into one buffer at flush: one write (and
 * one syscall) per socket per tick instead of a writev over many small buffers. Shared encoded bytes
 * (a PUBLISH template, an ack) are queued as they are, with the packet id to patch in, and copied only
 * once, into the joined buffer.
 */
export class OutputBatch {
  /** Bytes queued and not yet taken. */
  bytes = 0;
  #chunks: Uint8Array[] = [];
  /** Per chunk: offset of a packet id to patch in, or -1. */
  #patchAt: number[] = [];
  /** Per chunk: packet id, plus 0x10000 to set the PUBLISH DUP flag. */
  #patchId: number[] = [];
  #count = 0;

  get length(): number {
    return this.#count;
  }

  push(chunk: Uint8Array, patchAt = -1, packetId = 0, dup = false): void {
    const i = this.#count++;
    this.#chunks[i] = chunk;
    this.#patchAt[i] = patchAt;
    this.#patchId[i] = dup ? packetId | 0x10000 : packetId;
    this.bytes += chunk.length;
  }

  /** Everything queued as one buffer (the chunk itself when there is one and nothing to patch). */
  take(): Uint8Array | undefined {
    const count = this.#count;
    if (count === 0) return undefined;
    const chunks = this.#chunks;
    let out: Uint8Array;
    if (count === 1 && this.#patchAt[0] === -1) {
      out = chunks[0] as Uint8Array;
    } else {
      out = Buffer.allocUnsafe(this.bytes);
      let at = 0;
      for (let i = 0; i < count; i++) {
        const chunk = chunks[i] as Uint8Array;
        out.set(chunk, at);
        const patchAt = this.#patchAt[i] as number;
        if (patchAt >= 0) {
          const id = this.#patchId[i] as number;
          patchPacketId(out, at, patchAt, id & 0xffff, id > 0xffff);
        }
        at += chunk.length;
      }
    }
    // Drop references so sent payloads can be collected; the arrays keep their capacity.
    for (let i = 0; i < count; i++) chunks[i] = EMPTY;
    this.#count = 0;
    this.bytes = 0;
    return out;
  }

  clear(): void {
    this.#chunks = [];
    this.#patchAt = [];
    this.#patchId = [];
    this.#count = 0;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
