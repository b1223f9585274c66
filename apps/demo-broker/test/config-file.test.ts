import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText, validateConfig } from '../src/config-file.js';
import { DEFAULT_CONFIG } from '../src/config-schema.js';
import { StartupError } from '../src/errors.js';
import { resolveConfig } from '../src/resolve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mq-broker-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): StartupError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StartupError) return error;
    throw error;
  }
  throw new Error('expected a StartupError');
}

describe('the example config', () => {
  it('is valid and equals the defaults it documents', () => {
    const file = resolve(import.meta.dirname, '../mq-broker.example.yaml');
    const config = resolveConfig({ file: loadConfigFile(file) });
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('has a commented-out cluster and bridges block that is valid once uncommented', () => {
    const file = resolve(import.meta.dirname, '../mq-broker.example.yaml');
    const text = readFileSync(file, 'utf8');
    const block = text.slice(text.indexOf('\n# cluster:\n') + 1).replace(/^# ?/gm, '');
    const config = resolveConfig({ file: validateConfig(file, parseConfigText(file, block)) });
    expect(config.cluster).toEqual({
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'mq:' },
      nodeId: 'node-a',
      heartbeatMs: 1000,
      deadAfterMs: 5000,
    });
    expect(config.bridges.map((b) => b.topics.map((t) => t.direction))).toEqual([['out', 'in', 'both']]);
  });
});

describe('loadConfigFile', () => {
  it('reads YAML and JSON', () => {
    const yaml = write('a.yaml', 'listeners:\n  mqtt:\n    port: 1999\nqueue:\n  policy: drop-new\n');
    expect(loadConfigFile(yaml)).toEqual({
      listeners: { mqtt: { port: 1999 } },
      queue: { policy: 'drop-new' },
    });
    const json = write('a.json', JSON.stringify({ sys: { enabled: false } }));
    expect(loadConfigFile(json)).toEqual({ sys: { enabled: false } });
  });

  it('accepts an empty file as "all defaults"', () => {
    expect(loadConfigFile(write('empty.yaml', '# nothing\n'))).toEqual({});
  });

  it('names the file, the field, what was expected and what it got', () => {
    const file = write('bad-port.yaml', 'listeners:\n  mqtt:\n    port: "eighteen"\n');
    const error = errorOf(() => loadConfigFile(file));
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `${file}: listeners.mqtt.port: expected a port number (integer) from 0 to 65535, got "eighteen"`,
    );
  });

  it('refuses an unknown key by name and suggests the intended one', () => {
    const file = write('typo.yaml', 'limits:\n  maxPacketSise: 100\n');
    const error = errorOf(() => loadConfigFile(file));
    expect(error.message).toContain(`${file}: limits.maxPacketSise: unknown key "maxPacketSise"`);
    expect(error.message).toContain('did you mean "maxPacketSize"?');
  });

  it('refuses an unknown top-level section', () => {
    const error = errorOf(() => validateConfig('x.yaml', { listener: {} }));
    expect(error.message).toMatch(
      /^x\.yaml: listener: unknown key "listener" \(did you mean "listeners"\?\)/,
    );
  });

  it('lists every problem, one per line', () => {
    const error = errorOf(() =>
      validateConfig('x.yaml', { queue: { policy: 'drop-all', maxInflight: 0 }, sys: { enabled: 'yes' } }),
    );
    expect(error.message.split('\n')).toEqual([
      'x.yaml: queue.policy: expected one of "backpressure", "drop-oldest", "drop-new", got "drop-all"',
      'x.yaml: queue.maxInflight: expected an integer from 1 to 65535, got 0',
      'x.yaml: sys.enabled: expected true or false, got "yes"',
    ]);
  });

  it('refuses a section that is not a mapping, and a fractional number', () => {
    const error = errorOf(() =>
      validateConfig('x.yaml', { limits: [1, 2], session: { expiryMaxSeconds: 1.5 } }),
    );
    expect(error.message).toContain('x.yaml: limits: expected a mapping of keys to values, got a list');
    expect(error.message).toContain(
      'x.yaml: session.expiryMaxSeconds: expected an integer from 0 to 4294967295, got 1.5',
    );
  });

  it('refuses a cluster nodeId that cannot be one $SYS topic level', () => {
    const error = errorOf(() => validateConfig('x.yaml', { cluster: { nodeId: 'rack/1' } }));
    expect(error.message).toBe(
      `x.yaml: cluster.nodeId: expected a node id without '/', '+' or '#', got "rack/1"`,
    );
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const file = write('broken.yaml', 'listeners:\n  mqtt: [1, 2\n');
    expect(errorOf(() => loadConfigFile(file)).message).toMatch(
      new RegExp(`^${file}:\\d+:\\d+: invalid YAML`),
    );
  });

  it('reports duplicate YAML keys', () => {
    const file = write('dup.yaml', 'log:\n  level: info\n  level: debug\n');
    expect(errorOf(() => loadConfigFile(file)).message).toContain('invalid YAML');
  });

  it('reports JSON syntax errors with the file name', () => {
    const file = write('broken.json', '{"log": ');
    expect(errorOf(() => loadConfigFile(file)).message).toMatch(/broken\.json: invalid JSON/);
  });

  it('reports a missing file', () => {
    expect(errorOf(() => loadConfigFile(join(dir, 'nope.yaml'))).message).toContain(
      'nope.yaml: cannot read config file: file not found',
    );
  });

  it('parses JSON-looking text in a .yml file too', () => {
    expect(parseConfigText('x.yml', '{"log": {"level": "warn"}}')).toEqual({ log: { level: 'warn' } });
  });
});
