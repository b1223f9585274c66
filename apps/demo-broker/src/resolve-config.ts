import {
  type ClusterConfig,
  type Config,
  type ConfigFile,
  DEFAULT_CONFIG,
  DEFAULT_REDIS_URL,
  type StoreConfig,
  TLS_DEFAULTS,
} from './config-schema.js';
import type { Overrides } from './settings.js';

/** Applies one layer over another, section by section; undefined means "not set here". */
function layer<T extends object>(base: T, top: Partial<T> | undefined): T {
  const result = { ...base };
  if (!top) return result;
  for (const [key, value] of Object.entries(top)) {
    if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

/** A `cluster` section (or a Redis URL alone) turns cluster mode on; the URL defaults to local Redis. */
function applyCluster(
  base: ClusterConfig | undefined,
  file: ConfigFile['cluster'],
): ClusterConfig | undefined {
  if (!file) return base;
  const redis = layer(base?.redis ?? { url: DEFAULT_REDIS_URL }, file.redis);
  const nodeId = file.nodeId ?? base?.nodeId;
  const heartbeatMs = file.heartbeatMs ?? base?.heartbeatMs;
  const deadAfterMs = file.deadAfterMs ?? base?.deadAfterMs;
  return {
    redis,
    ...(nodeId !== undefined && { nodeId }),
    ...(heartbeatMs !== undefined && { heartbeatMs }),
    ...(deadAfterMs !== undefined && { deadAfterMs }),
  };
}

/** `memory` or `sqlite:PATH`, already checked by the schema. */
export function parseStore(spec: string): StoreConfig {
  return spec.startsWith('sqlite:')
    ? { type: 'sqlite', path: spec.slice('sqlite:'.length) }
    : { type: 'memory' };
}

function applyFile(base: Config, file: ConfigFile): Config {
  const { mqtts, wss } = file.listeners ?? {};
  const listeners: Config['listeners'] = {
    mqtt: layer(base.listeners.mqtt, file.listeners?.mqtt),
    ws: layer(base.listeners.ws, file.listeners?.ws),
  };
  // TLS listeners exist only when a file section names their certificate and key.
  const baseMqtts = base.listeners.mqtts;
  if (mqtts) listeners.mqtts = layer(baseMqtts ?? { ...TLS_DEFAULTS.mqtts, cert: '', key: '' }, mqtts);
  else if (baseMqtts) listeners.mqtts = baseMqtts;
  const baseWss = base.listeners.wss;
  if (wss) listeners.wss = layer(baseWss ?? { ...TLS_DEFAULTS.wss, cert: '', key: '' }, wss);
  else if (baseWss) listeners.wss = baseWss;
  const cluster = applyCluster(base.cluster, file.cluster);
  return {
    store: file.store === undefined ? base.store : parseStore(file.store),
    ...(cluster ? { cluster } : {}),
    bridges: file.bridges ?? base.bridges,
    listeners,
    auth: layer(base.auth, file.auth),
    limits: layer(base.limits, file.limits),
    session: layer(base.session, file.session),
    queue: layer(base.queue, file.queue),
    sys: layer(base.sys, file.sys),
    log: layer(base.log, file.log),
  };
}

/** Flags and MQ_* variables are expressed as the config-file fragment they override. */
export function overridesToFile(o: Overrides): ConfigFile {
  return {
    store: o.store,
    listeners: {
      mqtt: { host: o.host, port: o.port },
      ws: { host: o.host, port: o.wsPort, path: o.wsPath },
    },
    auth: { allowAnonymous: o.allowAnonymous, passwordFile: o.passwordFile, aclFile: o.aclFile },
    sys: { enabled: o.sys },
    log: { level: o.logLevel, format: o.logFormat },
    ...(o.redisUrl === undefined ? {} : { cluster: { redis: { url: o.redisUrl } } }),
  };
}

/** --host / MQ_HOST also moves the TLS listeners the file turned on. */
function applyHost(config: Config, o: Overrides): Config {
  if (o.host === undefined) return config;
  const { mqtts, wss } = config.listeners;
  const listeners = { ...config.listeners };
  if (mqtts) listeners.mqtts = { ...mqtts, host: o.host };
  if (wss) listeners.wss = { ...wss, host: o.host };
  return { ...config, listeners };
}

/** Precedence, lowest first: defaults < config file < MQ_* environment variables < command-line flags. */
export function resolveConfig(sources: { file?: ConfigFile; env?: Overrides; flags?: Overrides }): Config {
  let config = DEFAULT_CONFIG;
  if (sources.file) config = applyFile(config, sources.file);
  if (sources.env) config = applyHost(applyFile(config, overridesToFile(sources.env)), sources.env);
  if (sources.flags) config = applyHost(applyFile(config, overridesToFile(sources.flags)), sources.flags);
  return config;
}
