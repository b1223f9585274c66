/**
 * Hashes of topic levels, computed in one pass over the characters without creating substrings. The
 * indexes key their tables by these numbers and confirm every hit by comparing strings, so a
 * collision costs time, never a wrong answer.
 */

const SLASH = 0x2f;
/**
 * FNV-1a's offset basis mixed with a per-process random value, so that clients cannot precompute
 * filters whose hashes collide and slow every match down (hash flooding).
 */
const FNV_OFFSET = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a state after one more code unit. */
function step(h: number, c: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}

/** Finish a level's FNV-1a state into its hash. */
function finish(h: number, mask: number): number {
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) & mask;
}

/** Hash of one level, `str[start, end)`; equals what hashLevels computes for that level. */
export function hashRange(str: string, start: number, end: number, mask = -1): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = step(h, str.charCodeAt(i));
  return finish(h, mask);
}

/**
 * Hash each level of `topic` into `into` and return the number of levels, or -1 as soon as there
 * would be more than `maxLevels` (so a hostile topic costs nothing more). `mask` weakens the hash in
 * tests to force collisions. `into` needs room for `maxLevels` values.
 */
export function hashLevels(topic: string, into: Int32Array, maxLevels: number, mask = -1): number {
  let count = 0;
  let h = FNV_OFFSET;
  const len = topic.length;
  for (let i = 0; i < len; i++) {
    const c = topic.charCodeAt(i);
    if (c === SLASH) {
      if (count + 1 >= maxLevels) return -1;
      into[count++] = finish(h, mask);
      h = FNV_OFFSET;
    } else {
      h = step(h, c);
    }
  }
  into[count++] = finish(h, mask);
  return count;
}

/** Fold level hashes into one hash of the whole topic; always a small integer (a V8 Smi). */
export function combineLevels(levels: Int32Array, count: number): number {
  let h = count;
  for (let i = 0; i < count; i++) h = Math.imul(h ^ levels[i]!, 0x9e3779b1) ^ (h >>> 16);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/** The whole-string hash of `str`, equal to combineLevels over hashLevels, without a buffer. */
export function hashWhole(str: string, mask = -1): number {
  let h = 1;
  for (let i = 0; i < str.length; i++) if (str.charCodeAt(i) === SLASH) h++;
  const count = h;
  h = count;
  let start = 0;
  for (;;) {
    let end = str.indexOf('/', start);
    if (end < 0) end = str.length;
    h = Math.imul(h ^ hashRange(str, start, end, mask), 0x9e3779b1) ^ (h >>> 16);
    if (end === str.length) break;
    start = end + 1;
  }
  return (h ^ (h >>> 13)) & 0x3fffffff;
}
