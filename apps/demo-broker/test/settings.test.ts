import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import type { BridgeConfig } from '../src/config-schema.js';
import { readEnv } from '../src/env.js';
import { StartupError } from '../src/errors.js';
import { resolveConfig } from '../src/resolve-config.js';

describe('parseArgs', () => {
  it('reads every flag', () => {
    const parsed = parseArgs(
      [
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--ws-port',
        '9001',
        '--ws-path',
        '/ws',
        '--config',
        'x.yaml',
        '--log-level',
        'debug',
        '--log-format',
        'json',
        '--no-sys',
      ],
      '1.2.3',
    );
    expect(parsed).toEqual({
      kind: 'run',
      overrides: {
        host: '0.0.0.0',
        port: 0,
        wsPort: 9001,
        wsPath: '/ws',
        config: 'x.yaml',
        logLevel: 'debug',
        logFormat: 'json',
        sys: false,
      },
    });
  });

  it('leaves unset flags out so lower layers show through', () => {
    expect(parseArgs([], '1.2.3')).toEqual({ kind: 'run', overrides: {} });
  });

  it('prints help with the precedence and every variable, exit 0', () => {
    const parsed = parseArgs(['--help'], '1.2.3');
    expect(parsed.kind).toBe('exit');
    if (parsed.kind !== 'exit') return;
    expect(parsed.exitCode).toBe(0);
    expect(parsed.stdout).toContain(
      'command-line flags > MQ_* environment variables > config file > defaults',
    );
    for (const name of ['MQ_HOST', 'MQ_PORT', 'MQ_WS_PORT', 'MQ_CONFIG', 'MQ_LOG_LEVEL', '--no-sys']) {
      expect(parsed.stdout).toContain(name);
    }
  });

  it('prints the version, exit 0', () => {
    expect(parseArgs(['--version'], '1.2.3')).toMatchObject({ kind: 'exit', exitCode: 0, stdout: '1.2.3\n' });
  });

  it.each([
    [['--port', 'abc'], /--port.*expected a port number \(integer\) from 0 to 65535, got "abc"/],
    [['--port', '70000'], /from 0 to 65535, got "70000"/],
    [['--log-level', 'loud'], /expected one of fatal, error/],
    [['--ws-path', 'mqtt'], /expected a URL path starting with "\/"/],
    [['--bogus'], /unknown option '--bogus'/],
    [['extra'], /too many arguments/],
  ])('refuses %j with exit code 2', (argv, message) => {
    const parsed = parseArgs(argv, '1.2.3');
    expect(parsed).toMatchObject({ kind: 'exit', exitCode: 2 });
    if (parsed.kind === 'exit') expect(parsed.stderr).toMatch(message);
  });
});

describe('readEnv', () => {
  it('reads MQ_* variables, converting numbers and booleans', () => {
    const { overrides, warnings } = readEnv({
      MQ_HOST: '::',
      MQ_PORT: '1999',
      MQ_WS_PORT: '0',
      MQ_SYS: 'off',
      MQ_LOG_LEVEL: 'warn',
      MQ_CONFIG: '',
    });
    expect(overrides).toEqual({ host: '::', port: 1999, wsPort: 0, sys: false, logLevel: 'warn' });
    expect(warnings).toEqual([]);
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => readEnv({ MQ_PORT: 'eighty' })).toThrow(
      new StartupError(
        'ERR_USAGE',
        'MQ_PORT: expected a port number (integer) from 0 to 65535, got "eighty"',
      ),
    );
    expect(() => readEnv({ MQ_SYS: 'maybe' })).toThrow(/MQ_SYS: expected true or false, got "maybe"/);
  });

  it('warns about a variable that looks like a misspelt setting, ignores unrelated ones', () => {
    const { warnings } = readEnv({ MQ_PROT: '1', MQ_SOMETHING_ELSE_ENTIRELY: 'x', PATH: '/bin' });
    expect(warnings).toEqual(['ignoring environment variable MQ_PROT (did you mean MQ_PORT?)']);
  });
});

describe('resolveConfig precedence: flags > MQ_* > file > defaults', () => {
  it('uses the safe defaults when nothing is given', () => {
    const config = resolveConfig({});
    expect(config.listeners).toEqual({
      mqtt: { host: '127.0.0.1', port: 1883 },
      ws: { host: '127.0.0.1', port: 8083, path: '/mqtt' },
    });
    expect(config.sys.enabled).toBe(true);
  });

  it('layers each source over the one below, key by key', () => {
    const config = resolveConfig({
      file: {
        listeners: { mqtt: { host: '10.0.0.1', port: 1000 }, ws: { port: 2000, path: '/file' } },
        log: { level: 'debug', format: 'json' },
        queue: { maxMessages: 5 },
      },
      env: { port: 1001, wsPort: 2001, logLevel: 'warn' },
      flags: { port: 1002 },
    });
    expect(config.listeners.mqtt).toEqual({ host: '10.0.0.1', port: 1002 });
    expect(config.listeners.ws).toEqual({ host: '127.0.0.1', port: 2001, path: '/file' });
    expect(config.log).toEqual({ level: 'warn', format: 'json' });
    expect(config.queue).toEqual({ maxMessages: 5, policy: 'backpressure', maxInflight: 100 });
  });

  it('--host sets the host of both listeners', () => {
    const config = resolveConfig({
      file: { listeners: { ws: { host: '10.0.0.2' } } },
      flags: { host: '0.0.0.0' },
    });
    expect(config.listeners.mqtt.host).toBe('0.0.0.0');
    expect(config.listeners.ws.host).toBe('0.0.0.0');
  });

  it('a flag can switch off what the file switched on', () => {
    expect(resolveConfig({ file: { sys: { enabled: true } }, flags: { sys: false } }).sys.enabled).toBe(
      false,
    );
    expect(resolveConfig({ env: { sys: false }, flags: { sys: true } }).sys.enabled).toBe(true);
  });
});

describe('resolveConfig: TLS listeners and auth', () => {
  it('turns a TLS listener on only when the file has its section, with defaults for what it leaves out', () => {
    expect(resolveConfig({}).listeners.mqtts).toBeUndefined();
    const config = resolveConfig({
      file: {
        listeners: {
          mqtts: { cert: 'c.pem', key: 'k.pem' },
          wss: { cert: 'c.pem', key: 'k.pem', port: 9001 },
        },
      },
    });
    expect(config.listeners.mqtts).toEqual({ host: '127.0.0.1', port: 8883, cert: 'c.pem', key: 'k.pem' });
    expect(config.listeners.wss).toEqual({
      host: '127.0.0.1',
      port: 9001,
      path: '/mqtt',
      cert: 'c.pem',
      key: 'k.pem',
    });
  });

  it('--host moves the TLS listeners the file turned on, and turns none on itself', () => {
    const file = { listeners: { mqtts: { cert: 'c.pem', key: 'k.pem' } } };
    const config = resolveConfig({ file, flags: { host: '0.0.0.0' } });
    expect(config.listeners.mqtts?.host).toBe('0.0.0.0');
    expect(config.listeners.wss).toBeUndefined();
    expect(resolveConfig({ flags: { host: '0.0.0.0' } }).listeners.mqtts).toBeUndefined();
  });

  it('layers auth settings: flags over variables over the file', () => {
    const config = resolveConfig({
      file: { auth: { allowAnonymous: true, passwordFile: 'file-pw', aclFile: 'file-acl' } },
      env: { passwordFile: 'env-pw' },
      flags: { allowAnonymous: false },
    });
    expect(config.auth).toEqual({ allowAnonymous: false, passwordFile: 'env-pw', aclFile: 'file-acl' });
  });
});

describe('resolveConfig: cluster and bridges', () => {
  it('cluster mode is off by default and turned on by --redis-url, MQ_REDIS_URL or a cluster section', () => {
    expect(resolveConfig({}).cluster).toBeUndefined();
    expect(resolveConfig({}).bridges).toEqual([]);
    expect(resolveConfig({ flags: { redisUrl: 'redis://10.0.0.5:6379' } }).cluster).toEqual({
      redis: { url: 'redis://10.0.0.5:6379' },
    });
    expect(resolveConfig({ env: { redisUrl: 'redis://10.0.0.6:6379' } }).cluster).toEqual({
      redis: { url: 'redis://10.0.0.6:6379' },
    });
    // A section without a URL means the local Redis.
    expect(resolveConfig({ file: { cluster: { nodeId: 'n1' } } }).cluster).toEqual({
      redis: { url: 'redis://127.0.0.1:6379' },
      nodeId: 'n1',
    });
  });

  it('layers the Redis URL: flag over variable over file, keeping the file prefix and nodeId', () => {
    const file = { cluster: { redis: { url: 'redis://file:6379', prefix: 'site:' }, nodeId: 'n1' } };
    expect(resolveConfig({ file, env: { redisUrl: 'redis://env:6379' } }).cluster).toEqual({
      redis: { url: 'redis://env:6379', prefix: 'site:' },
      nodeId: 'n1',
    });
    const config = resolveConfig({
      file,
      env: { redisUrl: 'redis://env:6379' },
      flags: { redisUrl: 'redis://flag:6379' },
    });
    expect(config.cluster?.redis.url).toBe('redis://flag:6379');
  });

  it('takes the bridges from the file as they are', () => {
    const bridges: BridgeConfig[] = [
      {
        url: 'mqtt://hq:1883',
        clientId: 'site-7',
        topics: [{ pattern: 'sensors/#', direction: 'out', qos: 1 }],
      },
    ];
    expect(resolveConfig({ file: { bridges } }).bridges).toEqual(bridges);
  });

  it('refuses a Redis URL that is not redis:// naming its source', () => {
    const parsed = parseArgs(['--redis-url', 'http://x'], '1.2.3');
    expect(parsed.kind === 'exit' && parsed.exitCode).toBe(2);
    expect(parsed.kind === 'exit' && parsed.stderr).toContain('expected a redis:// or rediss:// URL');
    expect(() => readEnv({ MQ_REDIS_URL: 'localhost' })).toThrow(
      'MQ_REDIS_URL: expected a redis:// or rediss:// URL, got "localhost"',
    );
  });
});
