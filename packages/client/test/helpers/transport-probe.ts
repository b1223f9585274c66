import { decodePacket, type Packet, type ProtocolVersion } from '@mq/codec';
import { MqttClient } from '../../src/client.js';
import type { ClientOptions } from '../../src/options.js';
import { nodeTransport } from '../../src/transports/node.js';
import type { Transport, TransportFactory } from '../../src/transports/types.js';

/**
 * Wraps the Node transport so a test can cut the live connection (as a network failure would)
 * and see every packet the client wrote.
 */
export interface TransportProbe {
  factory: TransportFactory;
  /** Destroys the current transport without any MQTT goodbye. */
  cut(): void;
  /** Packets the client sent, decoded, in order (across connections). */
  sent: Packet[];
  connections: number;
}

export function transportProbe(protocolVersion: ProtocolVersion = 5): TransportProbe {
  let current: Transport | undefined;
  const probe: TransportProbe = {
    sent: [],
    connections: 0,
    cut: () => current?.destroy(),
    factory: async (url, options, handlers) => {
      const inner = await nodeTransport(url, options, handlers);
      probe.connections += 1;
      const wrapped: Transport = {
        write: (bytes) => {
          // Each write is exactly one encoded packet.
          probe.sent.push(decodePacket(bytes, { protocolVersion, side: 'server' }));
          inner.write(bytes);
        },
        end: () => inner.end(),
        destroy: () => inner.destroy(),
      };
      current = wrapped;
      return wrapped;
    },
  };
  return probe;
}

/** A client over a probed transport. */
export function probedClient(url: string, options: ClientOptions, probe: TransportProbe): MqttClient {
  return new MqttClient(url, options, probe.factory);
}

/** Polls `condition` (cheap, no timing asserts) until it holds or `timeoutMs` passes. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
