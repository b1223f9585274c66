import { createBroker } from '@mq/broker';
import { describe, expect, it } from 'vitest';
import { BRIDGE_DEFAULTS, type BridgeOptions, createBridge } from '../src/index.js';

const broker = createBroker({ listeners: [] });
const base: BridgeOptions = {
  url: 'mqtt://127.0.0.1:1',
  clientId: 'b',
  topics: [{ pattern: 't/#', direction: 'out', qos: 1 }],
};

describe('createBridge options', () => {
  it('applies the documented defaults', () => {
    const bridge = createBridge(broker, base);
    expect(bridge.options).toMatchObject({
      protocolVersion: 5,
      cleanStart: false,
      sessionExpiryInterval: 86_400,
      stopTimeout: 10_000,
      echoWindowMs: 30_000,
      maxQueued: 100_000,
      forwardRetained: true,
    });
    expect(BRIDGE_DEFAULTS.cleanStart).toBe(false);
    expect(bridge.state).toBe('idle');
    expect(bridge.pendingCount).toBe(0);
  });

  it.each<[string, Partial<BridgeOptions>, RegExp]>([
    ['a bad URL', { url: 'not a url' }, /url 'not a url' is not a URL/],
    ['an unknown scheme', { url: 'http://x' }, /url scheme must be/],
    ['no client id', { clientId: '' }, /clientId must be a non-empty string/],
    ['protocol 3', { protocolVersion: 3 as 4 }, /protocolVersion must be 4 or 5/],
    ['no topics', { topics: [] }, /topics must be a non-empty array/],
    ['a negative session expiry', { sessionExpiryInterval: -1 }, /sessionExpiryInterval must be an integer/],
    ['a keep alive over 65535', { keepAlive: 70_000 }, /keepAlive must be an integer in 0..65535/],
    ['no in-flight window', { maxInflight: 0 }, /maxInflight must be an integer/],
    ['a wildcard notification topic', { notifications: { topic: 'a/#' } }, /notifications.topic 'a\/#'/],
  ])('rejects %s with a TypeError naming the option', (_name, change, message) => {
    expect(() => createBridge(broker, { ...base, ...change })).toThrow(message);
    expect(() => createBridge(broker, { ...base, ...change })).toThrow(TypeError);
  });

  it('needs a broker', () => {
    expect(() => createBridge(undefined as unknown as Parameters<typeof createBridge>[0], base)).toThrow(
      /needs an @mq\/broker/,
    );
  });
});
