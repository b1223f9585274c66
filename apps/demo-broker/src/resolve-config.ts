import { type Config, type ConfigFile, DEFAULT_CONFIG } from './config-schema.js';
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

function applyFile(base: Config, file: ConfigFile): Config {
  return {
    listeners: {
      mqtt: layer(base.listeners.mqtt, file.listeners?.mqtt),
      ws: layer(base.listeners.ws, file.listeners?.ws),
    },
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
    listeners: {
      mqtt: { host: o.host, port: o.port },
      ws: { host: o.host, port: o.wsPort, path: o.wsPath },
    },
    sys: { enabled: o.sys },
    log: { level: o.logLevel, format: o.logFormat },
  };
}

/** Precedence, lowest first: defaults < config file < MQ_* environment variables < command-line flags. */
export function resolveConfig(sources: { file?: ConfigFile; env?: Overrides; flags?: Overrides }): Config {
  let config = DEFAULT_CONFIG;
  if (sources.file) config = applyFile(config, sources.file);
  if (sources.env) config = applyFile(config, overridesToFile(sources.env));
  if (sources.flags) config = applyFile(config, overridesToFile(sources.flags));
  return config;
}
