import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordFile, setPasswordLine, verifyPassword } from '../src/index.js';

describe('password file', () => {
  it('hashes with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('s3cret');
    const b = await hashPassword('s3cret');
    expect(a).toMatch(/^\$scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword(new TextEncoder().encode('s3cret'), a)).toBe(true);
    expect(await verifyPassword('s3cret!', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('takes a lower scrypt cost, stored in the hash, and refuses a cost that is not a power of two', async () => {
    const cheap = await hashPassword('pw', { cost: 1024 });
    expect(cheap).toMatch(/^\$scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('pw', cheap)).toBe(true);
    await expect(hashPassword('pw', { cost: 1000 })).rejects.toThrow(RangeError);
  });

  it('refuses malformed hashes instead of accepting them', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$16384$8$1$c2FsdA==$')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$999999999$8$1$c2FsdA==$a2V5')).toBe(false);
  });

  it('parses user:hash lines, skipping blanks and comments, and names a bad line', async () => {
    const hash = await hashPassword('pw');
    const users = parsePasswordFile(`# users\n\nalice:${hash}\r\nbob:${hash}\n`);
    expect([...users.keys()]).toEqual(['alice', 'bob']);
    expect(() => parsePasswordFile(`alice:${hash}\nbob:plain\n`)).toThrow(/line 2/);
    expect(() => parsePasswordFile(':nouser')).toThrow(/line 1/);
  });

  it('sets a user line: replaces an existing one, appends a new one, refuses bad names', () => {
    const text = setPasswordLine('alice:old\nbob:b\n', 'alice', 'new');
    expect(text).toBe('alice:new\nbob:b\n');
    expect(setPasswordLine(text, 'carol', 'c')).toBe('alice:new\nbob:b\ncarol:c\n');
    expect(setPasswordLine('', 'dave', 'd')).toBe('dave:d\n');
    expect(() => setPasswordLine('', 'a:b', 'h')).toThrow(TypeError);
    expect(() => setPasswordLine('', 'a b', 'h')).toThrow(TypeError);
  });
});
