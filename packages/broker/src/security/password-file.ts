import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/*
 * Password file, one `user:hash` per line as in Mosquitto, with our own hash form
 * `$scrypt$<N>$<r>$<p>$<salt base64>$<key base64>` (node:crypto scrypt, 16-byte random salt, 32-byte key).
 * Blank lines and lines starting with '#' are ignored.
 */

const PREFIX = '$scrypt$';
const DEFAULT_COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function derive(
  password: string | Uint8Array,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLength: number,
) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/**
 * Hashes a password for a password file line. `cost` is scrypt's N (a power of two, default 16384, about
 * 40 ms per check here); every CONNECT with a password pays one check, so brokers facing reconnect storms
 * of many devices may choose a lower one. The cost is stored in the hash, so files may mix costs.
 */
export async function hashPassword(password: string, options: { cost?: number } = {}): Promise<string> {
  const salt = randomBytes(16);
  const { r, p } = DEFAULT_COST;
  const N = options.cost ?? DEFAULT_COST.N;
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0) {
    throw new RangeError('cost must be a power of two from 2 to 2^20');
  }
  const key = await derive(password, salt, N, r, p, KEY_LENGTH);
  return `${PREFIX}${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parseHash(hash: string): ParsedHash | undefined {
  if (!hash.startsWith(PREFIX)) return undefined;
  const [n, r, p, salt, key] = hash.slice(PREFIX.length).split('$');
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (!Number.isInteger(N) || !Number.isInteger(R) || !Number.isInteger(P) || !salt || !key) return undefined;
  if (N < 2 || N > 2 ** 20 || R < 1 || R > 32 || P < 1 || P > 16) return undefined;
  return { N, r: R, p: P, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/** The scrypt cost (N) a hash was made with, or undefined if it is not one of ours. */
export function hashCost(hash: string): number | undefined {
  return parseHash(hash)?.N;
}

/** Checks a password against a hash; the key comparison is constant-time. */
export async function verifyPassword(password: string | Uint8Array, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed || parsed.key.length === 0) return false;
  const key = await derive(password, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** Users and their hashes; a malformed line is a TypeError naming its line number. */
export function parsePasswordFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !parseHash(hash)) {
      throw new TypeError(`password file line ${index + 1}: expected "user:${PREFIX}..."`);
    }
    users.set(user, hash);
  });
  return users;
}

export function loadPasswordFile(path: string): Map<string, string> {
  return parsePasswordFile(readFileSync(path, 'utf8'));
}

/** The file text with `user` set to `hash` (replacing its line, or appended). */
export function setPasswordLine(text: string, user: string, hash: string): string {
  if (user === '' || user.includes(':') || /\s/.test(user)) {
    throw new TypeError('a user name must be non-empty, without ":" or spaces');
  }
  const lines = text.split(/\r?\n/).filter((l, i, all) => !(l === '' && i === all.length - 1));
  const at = lines.findIndex((l) => l.trim().startsWith(`${user}:`));
  if (at >= 0) lines[at] = `${user}:${hash}`;
  else lines.push(`${user}:${hash}`);
  return `${lines.join('\n')}\n`;
}
