import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('docs/conformance.md', () => {
  it('maps every 3.1.1 and 5.0 statement to an existing broker test or a reason', () => {
    const run = spawnSync(process.execPath, ['scripts/conformance.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
