import { type ClientOptions, connect, isMqttClientError, ReasonCode } from '@mq/client';

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

/**
 * Whether a failed MQTT 5 CONNECT means the broker only speaks 3.1.1. @mq/client reports a 3.1.1
 * broker's refusal (a 3.1.1 CONNACK with return code 1) as Unsupported Protocol Version, 0x84.
 */
export function refusedVersion5(error: unknown): boolean {
  return (
    isMqttClientError(error) &&
    error.code === 'CONNECTION_REFUSED' &&
    error.reasonCode === ReasonCode.UnsupportedProtocolVersion
  );
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
