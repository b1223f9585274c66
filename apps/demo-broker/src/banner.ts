import type { Config } from './config-schema.js';

export interface BoundAddress {
  type: string;
  host: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** The host a local client should dial: the wildcard addresses are not connectable everywhere. */
export function dialHost(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.');
}

export function addressUrl(address: BoundAddress, config: Config): string {
  const host = dialHost(address.host);
  if (address.type === 'ws') return `ws://${host}:${address.port}${config.listeners.ws.path}`;
  if (address.type === 'wss') return `wss://${host}:${address.port}${config.listeners.wss?.path ?? '/mqtt'}`;
  if (address.type === 'tls') return `mqtts://${host}:${address.port}`;
  return `mqtt://${host}:${address.port}`;
}

/** What a newcomer can type in a second terminal, using the ports actually bound. */
export function tryItLines(addresses: readonly BoundAddress[], simCommand: string): string[] {
  const tcp = addresses.find((a) => a.type === 'tcp');
  if (!tcp) return [];
  const host = dialHost(tcp.host).replace(/^\[|\]$/g, '');
  const hp = `-h ${host} -p ${tcp.port}`;
  return [
    'Try it from a second terminal:',
    `  mosquitto_sub ${hp} -t '#' -v                      # watch every message`,
    `  mosquitto_pub ${hp} -t hello -m world             # publish one`,
    `  ${simCommand} --url mqtt://${dialHost(tcp.host)}:${tcp.port} --sensors 5 --watch   # sensors, readings printed`,
    'Press Ctrl+C to stop.',
  ];
}
