import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlitePersistence, SqliteStoreError, SqliteStoreErrorCode } from '@mq/sqlite';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { loadConfigFile } from '../src/config-file.js';
import { readEnv } from '../src/env.js';
import { resolveConfig } from '../src/resolve-config.js';
import { type BrokerProcess, runCli, startBroker } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mq-broker-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether better-sqlite3 loads: a notice and a skip outside CI, an error under CI. */
function hasSqliteDriver(): boolean {
  try {
    new SqlitePersistence(':memory:').close();
    return true;
  } catch (error) {
    if (!(error instanceof SqliteStoreError) || error.code !== SqliteStoreErrorCode.DriverUnavailable)
      throw error;
    if (process.env.CI)
      throw new Error(`better-sqlite3 is required under CI: ${error.message}`, { cause: error });
    console.warn(`NOTICE: ${error.message}\nSkipping the --store sqlite: process tests.`);
    return false;
  }
}

describe('--store / MQ_STORE / store', () => {
  it('reads memory and sqlite:PATH from the flag, the variable and the file, flags first', () => {
    expect(parseArgs(['--store', 'sqlite:/data/b.db'], '1.2.3')).toEqual({
      kind: 'run',
      overrides: { store: 'sqlite:/data/b.db' },
    });
    expect(readEnv({ MQ_STORE: 'memory' }).overrides).toEqual({ store: 'memory' });
    const file = join(dir, 'store.yaml');
    writeFileSync(file, 'store: sqlite:relative/b.db\n');
    expect(resolveConfig({ file: loadConfigFile(file) }).store).toEqual({
      type: 'sqlite',
      path: 'relative/b.db',
    });
    expect(resolveConfig({ file: loadConfigFile(file), env: { store: 'memory' } }).store).toEqual({
      type: 'memory',
    });
    expect(resolveConfig({ env: { store: 'memory' }, flags: { store: 'sqlite:x.db' } }).store).toEqual({
      type: 'sqlite',
      path: 'x.db',
    });
    expect(resolveConfig({}).store).toEqual({ type: 'memory' });
  });

  it.each([['disk'], ['sqlite:'], ['sqlite'], ['Memory']])('refuses --store %j with exit code 2', (value) => {
    const parsed = parseArgs(['--store', value], '1.2.3');
    expect(parsed).toMatchObject({ kind: 'exit', exitCode: 2 });
    if (parsed.kind === 'exit') expect(parsed.stderr).toContain('expected memory or sqlite:PATH');
  });

  it('refuses a bad MQ_STORE and a bad store key by name', async () => {
    expect(() => readEnv({ MQ_STORE: 'redis' })).toThrow(
      'MQ_STORE: expected memory or sqlite:PATH, got "redis"',
    );
    const file = join(dir, 'bad-store.yaml');
    writeFileSync(file, 'store: 42\n');
    const result = await runCli(['--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: store: expected memory or sqlite:PATH, got 42`);
  });

  it('lists --store and MQ_STORE in --help', async () => {
    const result = await runCli(['--help']);
    expect(result.stdout).toContain('--store <store>');
    expect(result.stdout).toContain('MQ_STORE');
  });

  it('refuses a SQLite store together with cluster mode, exit code 1', async () => {
    const result = await runCli([
      '--store',
      `sqlite:${join(dir, 'c.db')}`,
      '--redis-url',
      'redis://127.0.0.1:1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('store: sqlite:');
    expect(result.stderr).toContain('cannot be combined with cluster mode');
  });
});

describe.runIf(hasSqliteDriver())('mq-broker --store sqlite:PATH', () => {
  const file = join(dir, 'broker.db');
  const base = ['--port', '0', '--ws-port', '0', '--no-sys'];
  const brokers: BrokerProcess[] = [];
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop('SIGKILL')));
  });

  it('keeps a retained message across a kill -9 and a restart on the same file', async () => {
    const first = await startBroker([...base, '--store', `sqlite:${file}`]);
    brokers.push(first);
    const announced = first.logs.find((l) => l.store !== undefined);
    expect(announced).toMatchObject({ store: 'sqlite', storePath: file });
    expect(announced?.msg).toContain(`SQLite store at ${file}`);
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.port}`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    await pub.publishAsync('site/config', 'kept', { qos: 1, retain: true });
    await pub.endAsync();
    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');

    // The same file, this time from the variable.
    const second = await startBroker(base, { MQ_STORE: `sqlite:${file}` });
    brokers.push(second);
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${second.port}`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    const received = new Promise<{ topic: string; payload: string; retain: boolean }>((done) => {
      sub.once('message', (topic, payload, packet) =>
        done({ topic, payload: payload.toString(), retain: packet.retain }),
      );
    });
    await sub.subscribeAsync('site/#', { qos: 1 });
    expect(await received).toEqual({ topic: 'site/config', payload: 'kept', retain: true });
    await sub.endAsync();
  });

  it('a second broker on the same file stops at start-up with exit code 1', async () => {
    const result = await runCli([...base, '--store', `sqlite:${file}`, '--log-format', 'json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`store: cannot open sqlite:${file}`);
    expect(result.stderr).toContain('in use by another process');
  });

  it('a file in a missing directory stops start-up with exit code 1 naming the store', async () => {
    const missing = join(dir, 'no-such-dir', 'b.db');
    const result = await runCli([...base, '--store', `sqlite:${missing}`, '--log-format', 'json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`store: cannot open sqlite:${missing}`);
  });
});
