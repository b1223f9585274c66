import { existsSync } from 'node:fs';
import { createBroker } from '@mq/broker';
import { DEFAULT_PREFIX } from '@mq/redis';
import { version } from '../package.json';
import { parseArgs } from './args.js';
import { addressUrl, isLoopback, tryItLines } from './banner.js';
import { createBridges, startBridges, stopBridges } from './bridges.js';
import { allowsAnonymous, toBrokerOptions } from './broker-options.js';
import { logClientEvents } from './client-log.js';
import {
  type ClusterBackends,
  createClusterBackends,
  REDIS_START_TIMEOUT_MS,
  redactUrl,
  withTimeout,
} from './cluster.js';
import { loadConfigFile } from './config-file.js';
import type { Config } from './config-schema.js';
import { readEnv } from './env.js';
import { EXIT, StartupError } from './errors.js';
import { createLogger, usePretty } from './logger.js';
import { runPasswd } from './passwd.js';
import { resolveConfig } from './resolve-config.js';
import { exitOnSignals } from './shutdown.js';
import { describeStore, openStore } from './store.js';

export const VERSION: string = version;

/** Flags, MQ_* variables and the config file folded into one Config, or a StartupError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const parsed = parseArgs(argv, VERSION);
  if (parsed.kind === 'exit') return parsed;
  const fromEnv = readEnv(env);
  const file = parsed.overrides.config ?? fromEnv.overrides.config;
  const config = resolveConfig({
    ...(file ? { file: loadConfigFile(file) } : {}),
    env: fromEnv.overrides,
    flags: parsed.overrides,
  });
  return { kind: 'run' as const, config, file, warnings: fromEnv.warnings };
}

/** A newcomer's most likely start-up failure is a Mosquitto already on 1883: say what to do. */
export function listenHint(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `${message}: another program (another MQTT broker?) uses this port; choose one with --port / --ws-port`;
  }
  if (code === 'EACCES')
    return `${message}: ports below 1024 need privileges; choose a higher one with --port`;
  if (code === 'EADDRNOTAVAIL') return `${message}: this machine has no such address; check --host`;
  return message;
}

function redisDown(cluster: NonNullable<Config['cluster']>): string {
  const url = redactUrl(cluster.redis.url);
  return `Redis at ${url} did not answer within ${REDIS_START_TIMEOUT_MS / 1000} s; is it running? (--redis-url)`;
}

function simCommand(): string {
  return existsSync('apps/sensor-sim/dist/cli.js') ? 'node apps/sensor-sim/dist/cli.js' : 'mq-sim';
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (argv[0] === 'passwd') {
    process.exitCode = await runPasswd(argv.slice(1), process);
    return;
  }
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(argv, env);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`${error.message.replace(/^/gm, 'mq-broker: ')}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  if (loaded.kind === 'exit') {
    process.stdout.write(loaded.stdout);
    process.stderr.write(loaded.stderr);
    process.exitCode = loaded.exitCode;
    return;
  }
  const { config } = loaded;
  const pretty = usePretty(config.log.format, process.stdout.isTTY);
  const logger = createLogger({ level: config.log.level, pretty });
  if (loaded.file) logger.info({ file: loaded.file }, 'config file loaded');
  for (const warning of loaded.warnings) logger.warn(warning);

  let options: ReturnType<typeof toBrokerOptions>;
  let store: ReturnType<typeof openStore>;
  let cluster: ReturnType<typeof createClusterBackends> | undefined;
  try {
    options = toBrokerOptions(config, logger, VERSION);
    store = openStore(config);
    cluster = config.cluster ? createClusterBackends(config.cluster) : undefined;
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    logger.fatal({ err: error }, `cannot start: ${error.message}`);
    process.stderr.write(`mq-broker: ${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  const broker = createBroker(
    cluster
      ? {
          ...options,
          persistence: cluster.persistence,
          routeBus: cluster.routeBus,
          // Per-node $SYS topics: nodes sharing one retained store must not overwrite each other's.
          sys: { ...options.sys, nodeId: cluster.routeBus.nodeId },
        }
      : { ...options, ...(store && { persistence: store }) },
  );
  cluster?.attach(broker);
  logClientEvents(broker, logger);
  let bridges: ReturnType<typeof createBridges>;
  try {
    bridges = createBridges(broker, config.bridges, logger);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    logger.fatal({ err: error }, `cannot start: ${error.message}`);
    process.stderr.write(`mq-broker: ${error.message}\n`);
    await broker.close().catch(() => {});
    process.exitCode = error.exitCode;
    return;
  }
  try {
    // Subscribed to the bus: from here this node hears what the others accept.
    const started = broker.listen().then(() => cluster?.routeBus.ready());
    await (config.cluster
      ? withTimeout(started, REDIS_START_TIMEOUT_MS, redisDown(config.cluster))
      : started);
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${listenHint(error)}`);
    // On stderr too, as for config errors: a --log-level silent start still says why it ended.
    process.stderr.write(`mq-broker: cannot start: ${listenHint(error)}\n`);
    await withTimeout(broker.close(), REDIS_START_TIMEOUT_MS, 'close timed out').catch(() => {});
    process.exitCode = EXIT.failure;
    return;
  }
  startBridges(bridges, logger);
  // Bridges first, so their queued messages still leave through an open broker.
  exitOnSignals(async () => {
    await stopBridges(bridges);
    await broker.close();
  }, logger);
  announce(broker.addresses(), config, logger, pretty, cluster);
}

function announce(
  addresses: ReturnType<ReturnType<typeof createBroker>['addresses']>,
  config: Config,
  logger: ReturnType<typeof createLogger>,
  pretty: boolean,
  cluster: ClusterBackends | undefined,
): void {
  for (const address of addresses) {
    const url = addressUrl(address, config);
    logger.info(
      {
        listener: address.type,
        host: address.host,
        port: address.port,
        url,
        ...(address.engine && { engine: address.engine }),
      },
      `listening on ${url}`,
    );
  }
  const store = config.cluster
    ? `Redis store at ${redactUrl(config.cluster.redis.url)}`
    : describeStore(config.store);
  logger.info(
    {
      sys: config.sys.enabled,
      intervalMs: config.sys.intervalMs,
      store: config.cluster ? 'redis' : config.store.type,
      ...(config.store.type === 'sqlite' && !config.cluster && { storePath: config.store.path }),
    },
    config.sys.enabled
      ? `$SYS topics every ${config.sys.intervalMs / 1000} s; ${store}`
      : `$SYS topics off; ${store}`,
  );
  if (config.cluster && cluster) {
    logger.info(
      {
        redis: redactUrl(config.cluster.redis.url),
        prefix: config.cluster.redis.prefix ?? DEFAULT_PREFIX,
        nodeId: cluster.routeBus.nodeId,
      },
      'cluster mode: sessions and messages shared through Redis',
    );
  }
  for (const bridge of config.bridges) {
    logger.info(
      { bridge: bridge.clientId, remote: redactUrl(bridge.url), topics: bridge.topics.length },
      `bridge ${bridge.clientId} to ${redactUrl(bridge.url)}`,
    );
  }
  const anonymous = allowsAnonymous(config);
  const { passwordFile, aclFile } = config.auth;
  logger.info(
    { allowAnonymous: anonymous, passwordFile, aclFile },
    `access: ${anonymous ? 'anonymous allowed' : 'credentials required'}${passwordFile ? `, passwords from ${passwordFile}` : ''}${aclFile ? `, ACL from ${aclFile}` : ''}`,
  );
  if (anonymous) {
    logger.warn(
      'anonymous access is allowed: any client that can reach the listeners may publish and subscribe',
    );
  }
  const exposed = addresses.filter((a) => !isLoopback(a.host));
  if (anonymous && exposed.length > 0) {
    logger.warn(
      { hosts: [...new Set(exposed.map((a) => a.host))] },
      'listening beyond loopback without authentication: anyone on the network can use this broker',
    );
  }
  const lines = tryItLines(addresses, simCommand());
  if (pretty) process.stdout.write(`\n${lines.join('\n')}\n\n`);
  else logger.info({ tryIt: lines.slice(1, -1).map((l) => l.trim().replace(/\s+#.*$/, '')) }, 'ready');
}
