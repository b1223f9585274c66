import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from './harness.js';

/*
 * The native engine rests on node's internal handle bindings, which a future node may drop or change.
 * The listener must then fall back to node:net by itself. Each case loads the broker afresh (the
 * bindings are looked up once per module instance) with process.binding replaced.
 */

type Binding = (name: string) => unknown;
type WithBinding = { binding?: Binding };
const original = (process as unknown as WithBinding).binding;

afterEach(() => {
  (process as unknown as WithBinding).binding = original;
  vi.resetModules();
});

async function brokerWithBinding(binding: Binding | undefined) {
  (process as unknown as WithBinding).binding = binding;
  vi.resetModules();
  const { createBroker } = await import('../src/index.js');
  const broker = createBroker({
    listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
    sys: { enabled: false },
  });
  const [address] = await broker.listen();
  return { broker, address: address! };
}

describe('TCP engine fallback', () => {
  it('serves on the native engine when the bindings are there (the control case)', async () => {
    const { broker, address } = await brokerWithBinding(original);
    try {
      expect(address.engine).toBe('native');
    } finally {
      await broker.close();
    }
  });

  const cases: Array<[string, Binding | undefined]> = [
    ['process.binding is gone', undefined],
    [
      'process.binding throws',
      () => {
        throw new Error('No such module: tcp_wrap');
      },
    ],
    ['the bindings have another shape', () => ({})],
  ];
  for (const [name, binding] of cases) {
    it(`serves on node:net when ${name}`, async () => {
      const { broker, address } = await brokerWithBinding(binding);
      try {
        expect(address.engine).toBe('net');
        const { client, connack } = await RawClient.connect(address.port, { clientId: 'fallback' });
        expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
        await client.end();
      } finally {
        await broker.close();
      }
    });
  }
});
