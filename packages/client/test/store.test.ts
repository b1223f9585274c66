import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../src/store/file.js';
import { MemoryStore } from '../src/store/memory.js';
import { storeContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'mq-client-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let current = '';

storeContract('MemoryStore', { open: async () => new MemoryStore() });

storeContract('FileStore', {
  open: async () => {
    current = join(root, `store-${n++}`, 'messages.log');
    return new FileStore(current);
  },
  reopen: async () => new FileStore(current),
});

describe('FileStore', () => {
  it('ignores a torn last record left by a crash mid-write', async () => {
    const path = join(root, 'torn', 'messages.log');
    const store = new FileStore(path);
    await store.load();
    await store.put({
      key: 1,
      topic: 'a',
      payload: new Uint8Array([1]),
      qos: 1,
      retain: false,
      state: 'queued',
    });
    await store.close();
    appendFileSync(path, '{"op":"put","m":{"k":2,"t":"b","b":"');
    const again = new FileStore(path);
    expect((await again.load()).map((m) => m.key)).toEqual([1]);
    await again.close();
  });

  it('compacts the log down to the live messages', async () => {
    const path = join(root, 'compact', 'messages.log');
    const store = new FileStore(path, { compactAfter: 20 });
    await store.load();
    for (let key = 1; key <= 100; key++) {
      await store.put({
        key,
        topic: 'a',
        payload: new Uint8Array([key]),
        qos: 1,
        retain: false,
        state: 'queued',
      });
      if (key % 10 !== 0) await store.delete(key);
    }
    await store.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(60);
    const again = new FileStore(path);
    expect((await again.load()).map((m) => m.key)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    await again.close();
  });

  it('rejects a put after close with a STORE_ERROR', async () => {
    const store = new FileStore(join(root, 'closed', 'messages.log'));
    await store.load();
    await store.close();
    await expect(
      store.put({ key: 1, topic: 'a', payload: new Uint8Array(), qos: 1, retain: false, state: 'queued' }),
    ).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });
});
