import { type ClientOptions, connect, isMqttClientError } from '@mq/client';

/** Connection settings shared by the sensors and the bench, from the command line. */
export interface LinkArgs {
  protocolVersion: 4 | 5 | undefined;
  username: string | undefined;
  password: string | undefined;
  insecure: boolean;
}

/** The @mq/client options every connection of a run starts from; callers add clientId, will, ... */
export function clientOptions(args: LinkArgs, env: NodeJS.ProcessEnv): ClientOptions {
  const options: ClientOptions = {
    protocolVersion: args.protocolVersion ?? 5,
    keepAlive: 30,
    connectTimeout: 10_000,
  };
  if (args.username !== undefined) options.username = args.username;
  const password = args.password ?? env.MQ_SIM_PASSWORD;
  if (password !== undefined && password !== '') options.password = password;
  if (args.insecure) options.tls = { rejectUnauthorized: false };
  return options;
}

/** CONNACK codes meaning "not this protocol version": 0x84 (v5) and return code 1 (3.1.1). */
const VERSION_REFUSED = new Set([0x84, 0x01]);

/**
 * Whether a failed MQTT 5 CONNECT means the broker only speaks 3.1.1. A 3.1.1 broker answers with a
 * 3.1.1 CONNACK (return code 1), which an MQTT 5 decoder may report as a malformed CONNACK instead.
 */
export function refusedVersion5(error: unknown): boolean {
  if (!isMqttClientError(error)) return false;
  if (error.code === 'CONNECTION_REFUSED') return VERSION_REFUSED.has(error.reasonCode ?? -1);
  return error.code === 'PROTOCOL_ERROR' && /connack/i.test(error.message);
}

/**
 * With no --mqtt-version, tries MQTT 5 once and settles on 3.1.1 if the broker refuses it.
 * A broker that cannot be reached keeps 5: the caller's own connection attempts report that.
 */
export async function negotiateVersion(
  url: string,
  options: ClientOptions,
  explicit: boolean,
): Promise<ClientOptions> {
  if (explicit) return options;
  try {
    const probe = await connect(url, {
      ...options,
      protocolVersion: 5,
      reconnect: false,
      clientId: `mq-sim-probe-${instanceTag()}`,
    });
    await probe.end({ force: true });
    return { ...options, protocolVersion: 5 };
  } catch (error) {
    return refusedVersion5(error) ? { ...options, protocolVersion: 4 } : options;
  }
}

/** A short random hex tag so several simulators on one broker do not take over each other's client ids. */
export function instanceTag(): string {
  return Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
