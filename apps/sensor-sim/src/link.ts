import type { ClientOptions } from '@mq/client';

/** Connection settings shared by the sensors and the bench, from the command line. */
export interface LinkArgs {
  protocolVersion: 4 | 5;
  username: string | undefined;
  password: string | undefined;
  insecure: boolean;
}

/** The @mq/client options every connection of a run starts from; callers add clientId, will, ... */
export function clientOptions(args: LinkArgs, env: NodeJS.ProcessEnv): ClientOptions {
  const options: ClientOptions = {
    protocolVersion: args.protocolVersion,
    keepAlive: 30,
    connectTimeout: 10_000,
  };
  if (args.username !== undefined) options.username = args.username;
  const password = args.password ?? env.MQ_SIM_PASSWORD;
  if (password !== undefined && password !== '') options.password = password;
  if (args.insecure) options.tls = { rejectUnauthorized: false };
  return options;
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
