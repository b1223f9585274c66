import type { ClientOptions } from '@mq/client';
import { createClient, type MqttClient } from '@mq/client';

/**
 * `--watch`: one more client subscribes to the fleet's topics and prints what the broker delivers,
 * as `topic payload` lines like `mosquitto_sub -v`, so a newcomer sees readings make the round trip.
 */
export function watchTopics(
  url: string,
  filter: string,
  options: ClientOptions,
  print: (line: string) => void,
): { client: MqttClient; close(): Promise<void> } {
  const client = createClient(url, { ...options, clientId: `${options.clientId ?? 'mq-sim'}-watch` });
  client.on('message', (message) => print(`${message.topic} ${message.text()}`));
  client.subscribe(filter, { qos: 0 }).catch(() => {
    // Resubscribed after a reconnect by the client; a failure here shows up as no output.
  });
  return { client, close: () => client.end({ force: true }) };
}
