import { z } from 'zod';
import {
  filePath,
  host,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  port,
  redisUrl,
  storeSpec,
  wsPath,
} from './config-schema.js';
import { StartupError } from './errors.js';
import { describeValue } from './format-issues.js';

/** Values that can come from a flag or an MQ_* variable (and, except `config`, from the config file). */
export interface Overrides {
  config?: string;
  host?: string;
  port?: number;
  wsPort?: number;
  wsPath?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  sys?: boolean;
  passwordFile?: string;
  aclFile?: string;
  allowAnonymous?: boolean;
  redisUrl?: string;
  store?: string;
}

type Kind = 'string' | 'integer' | 'boolean';

interface Setting {
  key: keyof Overrides;
  flag: string;
  env: `MQ_${string}`;
  /** Where the value lands in the config file, for the help text. */
  configPath: string;
  kind: Kind;
  schema: z.ZodType;
  description: string;
}

/** One row per setting: the flag, the variable and the config path stay in step because they are one table. */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'config',
    flag: '-c, --config <file>',
    env: 'MQ_CONFIG',
    configPath: '-',
    kind: 'string',
    schema: z.string({ error: 'a file path' }).min(1, { error: 'a file path' }),
    description: 'YAML or JSON config file (see mq-broker.example.yaml)',
  },
  {
    key: 'host',
    flag: '--host <host>',
    env: 'MQ_HOST',
    configPath: 'listeners.mqtt.host, listeners.ws.host',
    kind: 'string',
    schema: host,
    description: 'address both listeners bind to; 0.0.0.0 or :: for all interfaces (default: 127.0.0.1)',
  },
  {
    key: 'port',
    flag: '-p, --port <port>',
    env: 'MQ_PORT',
    configPath: 'listeners.mqtt.port',
    kind: 'integer',
    schema: port,
    description: 'MQTT over TCP port; 0 picks a free port (default: 1883)',
  },
  {
    key: 'wsPort',
    flag: '--ws-port <port>',
    env: 'MQ_WS_PORT',
    configPath: 'listeners.ws.port',
    kind: 'integer',
    schema: port,
    description: 'MQTT over WebSocket port; 0 disables the WebSocket listener (default: 8083)',
  },
  {
    key: 'wsPath',
    flag: '--ws-path <path>',
    env: 'MQ_WS_PATH',
    configPath: 'listeners.ws.path',
    kind: 'string',
    schema: wsPath,
    description: 'URL path of the WebSocket listener (default: /mqtt)',
  },
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'MQ_LOG_LEVEL',
    configPath: 'log.level',
    kind: 'string',
    schema: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }),
    description: `${LOG_LEVELS.join(' | ')} (default: info)`,
  },
  {
    key: 'logFormat',
    flag: '--log-format <format>',
    env: 'MQ_LOG_FORMAT',
    configPath: 'log.format',
    kind: 'string',
    schema: z.enum(LOG_FORMATS, { error: `one of ${LOG_FORMATS.join(', ')}` }),
    description: 'auto (pretty on a terminal, JSON otherwise) | pretty | json (default: auto)',
  },
  {
    key: 'sys',
    flag: '--sys',
    env: 'MQ_SYS',
    configPath: 'sys.enabled',
    kind: 'boolean',
    schema: z.boolean({ error: 'true or false' }),
    description: 'do not publish $SYS/broker/... statistics (default: published)',
  },
  {
    key: 'passwordFile',
    flag: '--password-file <file>',
    env: 'MQ_PASSWORD_FILE',
    configPath: 'auth.passwordFile',
    kind: 'string',
    schema: filePath,
    description: "user:hash lines from 'mq-broker passwd FILE USER'; clients must log in with them",
  },
  {
    key: 'aclFile',
    flag: '--acl-file <file>',
    env: 'MQ_ACL_FILE',
    configPath: 'auth.aclFile',
    kind: 'string',
    schema: filePath,
    description: 'per-topic access rules (Mosquitto-style "user", "topic", "pattern" lines)',
  },
  {
    key: 'allowAnonymous',
    flag: '--allow-anonymous',
    env: 'MQ_ALLOW_ANONYMOUS',
    configPath: 'auth.allowAnonymous',
    kind: 'boolean',
    schema: z.boolean({ error: 'true or false' }),
    description:
      'refuse clients without credentials; --allow-anonymous allows them (default: allowed unless a password file is set)',
  },
  {
    key: 'redisUrl',
    flag: '--redis-url <url>',
    env: 'MQ_REDIS_URL',
    configPath: 'cluster.redis.url',
    kind: 'string',
    schema: redisUrl,
    description: 'cluster mode: keep sessions in this Redis and share messages with the other nodes on it',
  },
  {
    key: 'store',
    flag: '--store <store>',
    env: 'MQ_STORE',
    configPath: 'store',
    kind: 'string',
    schema: storeSpec,
    description:
      'memory (lost on restart) or sqlite:PATH (sessions, queued and retained messages survive restarts and crashes) (default: memory)',
  },
];

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

function fromText(kind: Kind, raw: string): unknown {
  if (kind === 'integer') return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'boolean') return BOOLEAN_WORDS[raw.trim().toLowerCase()] ?? raw;
  return raw;
}

/** Converts and validates one textual value; the error names its source (`--port` or `MQ_PORT`). */
export function parseSettingValue(setting: Setting, raw: string, source: string): unknown {
  const result = setting.schema.safeParse(fromText(setting.kind, raw));
  if (result.success) return result.data;
  const expected = result.error.issues[0]?.message ?? 'a valid value';
  throw new StartupError('ERR_USAGE', `${source}: expected ${expected}, got ${describeValue(raw)}`);
}

export function settingFor(key: keyof Overrides): Setting {
  const found = SETTINGS.find((s) => s.key === key);
  if (!found) throw new RangeError(`no setting ${key}`);
  return found;
}
