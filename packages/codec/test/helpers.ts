/** Test helpers shared by the codec test files. */

/** Deep copy with every Uint8Array (Node Buffers included) turned into a plain Uint8Array, for toEqual. */
export function plain<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out as T;
  }
  return value;
}

/** Frames `body` (hex) behind the first byte `first` (hex) with a correct Remaining Length. */
export function frame(first: string, body: string): string {
  let n = body.replace(/\s+/g, '').length / 2;
  let len = '';
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len += b.toString(16).padStart(2, '0');
  } while (n > 0);
  return `${first}${len}${body}`;
}
