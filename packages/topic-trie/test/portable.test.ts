import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

describe('portability', () => {
  it('src uses no Node-only API, so the package runs in browsers', () => {
    const files = readdirSync(SRC).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const text = readFileSync(join(SRC, name), 'utf8');
      expect(text, name).not.toMatch(/from 'node:|require\(|\bBuffer\b|\bprocess\.|\bglobalThis\.process\b/);
    }
  });
});
