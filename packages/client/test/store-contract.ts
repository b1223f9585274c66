import { describe, expect, it } from 'vitest';
import type { MessageStore, StoredMessage } from '../src/store/types.js';

/** A store factory: `open()` gives a fresh store; `reopen()` gives one over the same data (if durable). */
export interface StoreHarness {
  open(): Promise<MessageStore>;
  reopen?: () => Promise<MessageStore>;
}

const message = (key: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  key,
  topic: `t/${key}`,
  payload: new Uint8Array([key & 255, 0, 255]),
  qos: 1,
  retain: false,
  state: 'queued',
  ...extra,
});

/** The behaviour every MessageStore must show; run once per implementation. */
export function storeContract(name: string, harness: StoreHarness): void {
  describe(`${name} (store contract)`, () => {
    it('loads nothing when empty', async () => {
      const store = await harness.open();
      expect(await store.load()).toEqual([]);
      await store.close();
    });

    it('returns put messages in key order with their bytes intact', async () => {
      const store = await harness.open();
      await store.load();
      await store.put(message(3));
      await store.put(message(1, { qos: 2, retain: true }));
      await store.put(message(2));
      const loaded = await store.load();
      expect(loaded.map((m) => m.key)).toEqual([1, 2, 3]);
      expect(loaded[0]).toEqual(message(1, { qos: 2, retain: true }));
      await store.close();
    });

    it('applies updates and deletes', async () => {
      const store = await harness.open();
      await store.load();
      await store.put(message(1));
      await store.put(message(2, { qos: 2 }));
      await store.update(1, { state: 'sent', packetId: 7 });
      await store.update(2, { state: 'released', packetId: 9 });
      await store.delete(1);
      await store.update(42, { state: 'sent', packetId: 1 });
      await store.delete(42);
      const loaded = await store.load();
      expect(loaded).toEqual([message(2, { qos: 2, state: 'released', packetId: 9 })]);
      await store.update(2, { state: 'queued' });
      expect((await store.load())[0]?.packetId).toBeUndefined();
      await store.close();
    });

    it('keeps properties including binary correlation data and user properties', async () => {
      const store = await harness.open();
      await store.load();
      const properties = {
        correlationData: new Uint8Array([1, 2, 3]),
        userProperties: [
          ['a', '1'],
          ['a', '2'],
        ] as Array<[string, string]>,
        messageExpiryInterval: 60,
        contentType: 'text/plain',
      };
      await store.put(message(5, { properties }));
      const [loaded] = await store.load();
      expect(loaded?.properties).toEqual(properties);
      await store.close();
    });

    it('is not affected by later changes to the object that was put', async () => {
      const store = await harness.open();
      await store.load();
      const m = message(1);
      await store.put(m);
      m.state = 'released';
      m.topic = 'changed';
      expect((await store.load())[0]).toEqual(message(1));
      await store.close();
    });

    it('keeps incoming QoS 2 ids until they are deleted or cleared', async () => {
      const store = await harness.open();
      await store.load();
      await store.putIncoming?.(5);
      await store.putIncoming?.(3);
      await store.putIncoming?.(9);
      await store.deleteIncoming?.(9);
      expect(await store.loadIncoming?.()).toEqual([3, 5]);
      await store.clearIncoming?.();
      expect(await store.loadIncoming?.()).toEqual([]);
      await store.close();
    });

    if (harness.reopen) {
      const reopen = harness.reopen;
      it('keeps incoming QoS 2 ids across a reopen', async () => {
        const store = await harness.open();
        await store.load();
        await store.putIncoming?.(7);
        await store.putIncoming?.(8);
        await store.deleteIncoming?.(7);
        await store.close();
        const again = await reopen();
        await again.load();
        expect(await again.loadIncoming?.()).toEqual([8]);
        await again.close();
      });

      it('keeps accepted messages and their flow state across a reopen', async () => {
        const store = await harness.open();
        await store.load();
        for (let key = 1; key <= 50; key++) await store.put(message(key));
        await store.update(10, { state: 'sent', packetId: 100 });
        await store.delete(20);
        await store.close();
        const again = await reopen();
        const loaded = await again.load();
        expect(loaded).toHaveLength(49);
        expect(loaded.find((m) => m.key === 10)).toEqual(message(10, { state: 'sent', packetId: 100 }));
        expect(loaded.some((m) => m.key === 20)).toBe(false);
        await again.close();
      });
    }
  });
}
