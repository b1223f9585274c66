/** @mq/client for browsers: ws:// and wss:// through the platform WebSocket. */
import { MqttClient } from './client.js';
import type { ClientOptions } from './options.js';
import { browserTransport } from './transports/browser.js';

export * from './api.js';

/** Connects and resolves once the server accepted (CONNACK); rejects (and cleans up) if the first attempt fails. */
export async function connect(url: string | URL, options: ClientOptions = {}): Promise<MqttClient> {
  const client = new MqttClient(url, options, browserTransport, { failFast: true });
  await client.whenConnected();
  return client;
}

/** Returns a client at once that connects (and keeps reconnecting) in the background. */
export function createClient(url: string | URL, options: ClientOptions = {}): MqttClient {
  return new MqttClient(url, options, browserTransport);
}
