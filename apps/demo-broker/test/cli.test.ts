import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startBroker } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mq-broker-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('mq-broker command line', () => {
  it('--help documents the flags, the variables and the precedence; exit 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['--host', '--port', '--ws-port', '--config', '--log-level', '--version', 'MQ_PORT']) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).toContain(
      'command-line flags > MQ_* environment variables > config file > defaults',
    );
  });

  it('--version prints the version; exit 0', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad flag value is refused with exit code 2', async () => {
    const result = await runCli(['--port', 'eighty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port');
    expect(result.stderr).toContain('got "eighty"');
  });

  it('an unknown flag is refused with exit code 2', async () => {
    const result = await runCli(['--prot', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--prot'");
  });

  it('a bad MQ_* variable is refused with exit code 2, naming it', async () => {
    const result = await runCli([], { MQ_WS_PORT: 'none' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'MQ_WS_PORT: expected a port number (integer) from 0 to 65535, got "none"',
    );
  });

  it('a config file with a wrong value stops start-up naming the file, the field and the expectation', async () => {
    const file = configFile('bad-value.yaml', 'listeners:\n  mqtt:\n    port: 99999\n');
    const result = await runCli(['--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: listeners.mqtt.port: expected a port number (integer) from 0 to 65535, got 99999`,
    );
  });

  it.runIf(process.platform === 'linux')(
    'limits.reserveFileDescriptors grows the process descriptor table at start-up (0 leaves it alone)',
    async () => {
      const fdTableSize = (pid: number) =>
        Number(/^FDSize:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      const grown = await startBroker([
        '--config',
        configFile('fd.yaml', 'limits:\n  reserveFileDescriptors: 4096\n'),
        '--port',
        '0',
        '--ws-port',
        '0',
      ]);
      const plain = await startBroker([
        '--config',
        configFile('fd0.yaml', 'limits:\n  reserveFileDescriptors: 0\n'),
        '--port',
        '0',
        '--ws-port',
        '0',
      ]);
      try {
        expect(fdTableSize(grown.child.pid!)).toBeGreaterThanOrEqual(4096);
        expect(fdTableSize(plain.child.pid!)).toBeLessThan(4096);
      } finally {
        await grown.stop();
        await plain.stop();
      }
      const bad = await runCli([
        '--config',
        configFile('fd-bad.yaml', 'limits:\n  reserveFileDescriptors: -5\n'),
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('limits.reserveFileDescriptors');
    },
  );

  it('a config file with an unknown key is refused by name', async () => {
    const file = configFile('typo.yaml', 'queue:\n  maxMesages: 10\n');
    const result = await runCli(['--config', file, '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: queue.maxMesages: unknown key "maxMesages" (did you mean "maxMessages"?)`,
    );
  });

  it('a missing config file named in MQ_CONFIG is refused', async () => {
    const result = await runCli([], { MQ_CONFIG: join(dir, 'missing.yaml') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing.yaml: cannot read config file: file not found');
  });

  it('starts from the example config with flags taking precedence', async () => {
    const example = resolve(import.meta.dirname, '../mq-broker.example.yaml');
    const broker = await startBroker(['--config', example, '--port', '0', '--ws-port', '0']);
    try {
      expect(broker.port).toBeGreaterThan(0);
      expect(broker.wsPort).toBeUndefined();
      expect(broker.logs.some((l) => l.msg === 'config file loaded' && l.file === example)).toBe(true);
      expect(broker.logs.some((l) => l.level === 40 && l.msg.startsWith('anonymous access is allowed'))).toBe(
        true,
      );
    } finally {
      expect((await broker.stop()).code).toBe(0);
    }
  });

  it('MQ_* variables override the config file, flags override both', async () => {
    const file = configFile('layers.yaml', 'listeners:\n  ws:\n    port: 1\nlog:\n  level: error\n');
    const broker = await startBroker(['--config', file, '--port', '0', '--log-level', 'info'], {
      MQ_WS_PORT: '0',
    });
    try {
      // The file's ws.port would open a WebSocket listener; the variable disabled it.
      expect(broker.wsPort).toBeUndefined();
      // log.level error from the file would hide the info lines; the flag brought them back.
      expect(broker.logs.some((l) => l.msg.startsWith('listening on mqtt://'))).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('a port that cannot be bound ends start-up with exit code 1 and the reason', async () => {
    const first = await startBroker(['--port', '0', '--ws-port', '0']);
    try {
      const result = await runCli(['--port', String(first.port), '--ws-port', '0', '--log-format', 'json']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('EADDRINUSE');
      expect(result.stdout).toContain('choose one with --port');
    } finally {
      await first.stop();
    }
  });
});
