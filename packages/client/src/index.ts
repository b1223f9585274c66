/**
 * @mq/client for Node: mqtt://, mqtts://, ws:// and wss://. Browsers get ./browser.ts through the
 * "browser" export condition, which never imports node:net, node:tls or ws.
 */
import { MqttClient } from './client.js';
import type { ClientOptions } from './options.js';
import { nodeTransport } from './transports/node.js';

export * from './api.js';
export { FileStore, type FileStoreOptions } from './store/file.js';

/** Connects and resolves once the server accepted (CONNACK); rejects (and cleans up) if the first attempt fails. */
export async function connect(url: string | URL, options: ClientOptions = {}): Promise<MqttClient> {
  const client = new MqttClient(url, options, nodeTransport, { failFast: true });
  await client.whenConnected();
  return client;
}

/** Returns a client at once that connects (and keeps reconnecting) in the background. */
export function createClient(url: string | URL, options: ClientOptions = {}): MqttClient {
  return new MqttClient(url, options, nodeTransport);
}
