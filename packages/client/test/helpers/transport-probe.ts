import { type Packet, PacketDecoder, type ProtocolVersion } from '@mq/codec';
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
      // A write may carry several packets: decode them as the server would.
      const decoder = new PacketDecoder({ protocolVersion, side: 'server' });
      const wrapped: Transport = {
        write: (bytes) => {
          decoder.push(bytes.slice(), (packet) => probe.sent.push(packet));
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
