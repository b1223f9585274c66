import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBroker } from '../src/broker.js';
import { descriptorTarget, growDescriptorTable, softDescriptorLimit } from '../src/descriptor-table.js';

/** The size of this process's descriptor table, as the kernel reports it. */
function fdTableSize(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('FDSize:'));
  return Number(line?.split(/\s+/)[1]);
}

describe.runIf(process.platform === 'linux')('descriptor table growth', () => {
  it('listen() grows the table to reserveFileDescriptors, so accepting connections never resizes it', async () => {
    const before = fdTableSize();
    const openBefore = readdirSync('/proc/self/fd').length;
    const limit = softDescriptorLimit() ?? 1 << 20;
    // Four times the current table, inside the soft limit: a size this process has not reached yet.
    const wanted = Math.min(before * 4, limit - 1024);
    expect(wanted).toBeGreaterThan(before);
    const broker = createBroker({ listeners: [], reserveFileDescriptors: wanted, sys: { enabled: false } });
    await broker.listen();
    try {
      expect(fdTableSize()).toBeGreaterThanOrEqual(wanted);
    } finally {
      await broker.close();
    }
    // The descriptors opened to grow it are closed again.
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(openBefore + 4);
    expect(growDescriptorTable(wanted)).toBeGreaterThanOrEqual(wanted);
  });

  it('stays below the soft limit on open files, and 0 or a smaller size does nothing', () => {
    expect(descriptorTarget(16_384, 4096)).toBe(3072);
    expect(descriptorTarget(16_384, 1000)).toBe(0);
    expect(descriptorTarget(2048, 1 << 20)).toBe(2048);
    expect(descriptorTarget(2048, undefined)).toBe(2048);
    const size = fdTableSize();
    expect(growDescriptorTable(0)).toBeLessThanOrEqual(size);
    expect(fdTableSize()).toBe(size);
  });

  it('rejects a negative or fractional reserveFileDescriptors', () => {
    expect(() => createBroker({ reserveFileDescriptors: -1 })).toThrow(/reserveFileDescriptors/);
    expect(() => createBroker({ reserveFileDescriptors: 1.5 })).toThrow(/reserveFileDescriptors/);
  });
});
