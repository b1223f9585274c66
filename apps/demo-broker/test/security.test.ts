import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type BrokerProcess, CLI, cleanEnv, runCli, startBroker } from './cli-process.js';

const tlsDir = resolve(import.meta.dirname, '../../../packages/broker/test/fixtures/tls');
const ca = join(tlsDir, 'ca.crt');
const dir = mkdtempSync(join(tmpdir(), 'mq-broker-security-'));
const passwords = join(dir, 'passwords');
const aclFile = join(dir, 'acl');
let broker: BrokerProcess | undefined;

/** Runs `mq-broker passwd FILE USER` with the password on stdin. */
function passwd(file: string, user: string, password: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, 'passwd', file, user], {
      env: cleanEnv({}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', fail);
    child.once('close', (code) => done({ code, out }));
    child.stdin.end(`${password}\n`);
  });
}

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout });
    });
  });
}

beforeAll(async () => {
  expect((await passwd(passwords, 'alice', 'alice-pw')).code).toBe(0);
  expect((await passwd(passwords, 'bob', 'bob-pw')).code).toBe(0);
  writeFileSync(aclFile, 'user alice\ntopic readwrite alice/#\nuser bob\ntopic read alice/#\n');
});
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tlsConfig(extra = ''): string {
  const file = join(dir, `tls-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `listeners:
  mqtts:
    port: 0
    cert: ${join(tlsDir, 'server.crt')}
    key: ${join(tlsDir, 'server.key')}
${extra}`,
  );
  return file;
}

const tlsPort = (b: BrokerProcess) =>
  b.logs.find((l) => l.msg.startsWith('listening on') && l.listener === 'tls')?.port as number;

describe('mq-broker passwd', () => {
  it('writes scrypt user:hash lines and replaces an existing user', async () => {
    const file = join(dir, 'pw-replace');
    expect((await passwd(file, 'carol', 'one')).out).toContain('password set for carol');
    const first = readFileSync(file, 'utf8');
    await passwd(file, 'carol', 'two');
    const second = readFileSync(file, 'utf8');
    expect(first).toMatch(/^carol:\$scrypt\$/);
    expect(second.split('\n').filter(Boolean)).toHaveLength(1);
    expect(second).not.toBe(first);
  });

  it('refuses a missing user argument with exit code 2', async () => {
    const exit = await runCli(['passwd', join(dir, 'x')]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('usage: mq-broker passwd FILE USER');
  });
});

describe('mq-broker with TLS, a password file and an ACL', () => {
  it('serves mqtts to MQTT.js with credentials and refuses bad ones', async () => {
    broker = await startBroker([
      '--config',
      tlsConfig(),
      '--port',
      '0',
      '--ws-port',
      '0',
      '--password-file',
      passwords,
    ]);
    const port = tlsPort(broker);
    expect(broker.logs.some((l) => l.msg.startsWith('listening on mqtts://127.0.0.1:'))).toBe(true);
    expect(broker.logs.some((l) => l.msg.startsWith('anonymous access is allowed'))).toBe(false);
    const options = {
      port,
      host: '127.0.0.1',
      ca: readFileSync(ca),
      reconnectPeriod: 0,
      protocolVersion: 5,
    } as const;
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      ...options,
      username: 'alice',
      password: 'alice-pw',
    });
    await client.endAsync();
    const refused = await mqtt
      .connectAsync(`mqtts://127.0.0.1:${port}`, { ...options, username: 'alice', password: 'nope' })
      .then(
        (c) => c.endAsync().then(() => 0),
        (err: { code?: number }) => err.code,
      );
    expect(refused).toBe(0x86);
    const anonymous = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, options).then(
      (c) => c.endAsync().then(() => 0),
      (err: { code?: number }) => err.code,
    );
    expect(anonymous).toBe(0x87);
  });

  it.runIf(hasSystemPeer('mosquitto_sub') && hasSystemPeer('mosquitto_pub'))(
    'mosquitto_sub --cafile -u -P receives what the ACL lets it read',
    async () => {
      broker = await startBroker([
        '--config',
        tlsConfig(),
        '--port',
        '0',
        '--ws-port',
        '0',
        '--password-file',
        passwords,
        '--acl-file',
        aclFile,
      ]);
      const common = ['-h', '127.0.0.1', '-p', String(tlsPort(broker)), '--cafile', ca];
      const received = run('mosquitto_sub', [
        ...common,
        '-u',
        'bob',
        '-P',
        'bob-pw',
        '-i',
        'bob-sub',
        '-t',
        'alice/#',
        '-C',
        '1',
        '-v',
      ]);
      await broker.waitForLog((l) => l.clientId === 'bob-sub');
      // The subscription may land a moment after the connect line: publish until the subscriber exits.
      // Bob may not write, so his publishes are dropped; alice's is delivered.
      let exited = false;
      void received.then(() => {
        exited = true;
      });
      for (let i = 0; i < 20 && !exited; i++) {
        await run('mosquitto_pub', [
          ...common,
          '-u',
          'bob',
          '-P',
          'bob-pw',
          '-t',
          'alice/x',
          '-m',
          'from bob',
          '-q',
          '1',
        ]);
        const pub = await run('mosquitto_pub', [
          ...common,
          '-u',
          'alice',
          '-P',
          'alice-pw',
          '-t',
          'alice/x',
          '-m',
          'from alice',
          '-q',
          '1',
        ]);
        expect(pub.code).toBe(0);
      }
      const sub = await received;
      expect(sub.code).toBe(0);
      expect(sub.stdout.trim()).toBe('alice/x from alice');
    },
  );

  it('authenticates by client certificate on mqtts and serves wss', async () => {
    const file = tlsConfig(`    ca: ${ca}
    requestCert: true
    useIdentityAsUsername: true
  wss:
    port: 0
    cert: ${join(tlsDir, 'server.crt')}
    key: ${join(tlsDir, 'server.key')}
`);
    broker = await startBroker(['--config', file, '--port', '0', '--ws-port', '0', '--no-allow-anonymous']);
    const port = tlsPort(broker);
    const wssLine = broker.logs.find((l) => l.listener === 'wss');
    expect(wssLine?.msg).toMatch(/^listening on wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const options = { ca: readFileSync(ca), reconnectPeriod: 0, protocolVersion: 5 } as const;
    const withCert = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      ...options,
      cert: readFileSync(join(tlsDir, 'client.crt')),
      key: readFileSync(join(tlsDir, 'client.key')),
    });
    await withCert.endAsync();
    const withoutCert = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, options).then(
      (c) => c.endAsync().then(() => 0),
      (err: { code?: number }) => err.code,
    );
    expect(withoutCert).toBe(0x87);
  });

  it('applies connection limits from the config file', async () => {
    const file = join(dir, 'limits.yaml');
    writeFileSync(file, 'limits:\n  maxConnectionsPerIp: 1\n');
    broker = await startBroker(['--config', file, '--port', '0', '--ws-port', '0']);
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const options = { reconnectPeriod: 0, protocolVersion: 5 } as const;
    const first = await mqtt.connectAsync(url, options);
    const second = await mqtt.connectAsync(url, options).then(
      (c) => c.endAsync().then(() => 0),
      (err: { code?: number }) => err.code,
    );
    expect(second).toBe(0x97);
    await first.endAsync();
  });

  it('warns about anonymous access only when it is allowed', async () => {
    broker = await startBroker(['--port', '0', '--ws-port', '0', '--allow-anonymous']);
    expect(broker.logs.some((l) => l.msg.startsWith('anonymous access is allowed'))).toBe(true);
    await broker.stop();
    broker = await startBroker(['--port', '0', '--ws-port', '0', '--no-allow-anonymous']);
    expect(broker.logs.some((l) => l.msg.startsWith('anonymous access is allowed'))).toBe(false);
    expect(broker.logs.some((l) => l.msg === 'access: credentials required')).toBe(true);
  });

  it('stops with exit code 1 naming a missing certificate or password file, a key that does not match, or a requestCert without a ca', async () => {
    const missingCert = tlsConfig();
    writeFileSync(missingCert, readFileSync(missingCert, 'utf8').replace('server.crt', 'nope.crt'));
    const exit = await runCli([
      '--config',
      missingCert,
      '--port',
      '0',
      '--ws-port',
      '0',
      '--log-format',
      'json',
    ]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/listeners\.mqtts\.cert: cannot read .*nope\.crt: file not found/);
    const noCa = await runCli([
      '--config',
      tlsConfig('    requestCert: true\n'),
      '--port',
      '0',
      '--ws-port',
      '0',
    ]);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toContain('listeners.mqtts.requestCert: needs listeners.mqtts.ca');
    const noFile = await runCli(['--port', '0', '--ws-port', '0', '--password-file', join(dir, 'absent')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/auth\.passwordFile: .*absent: file not found/);
    // A key that does not belong to the certificate is named at start-up, not left to OpenSSL.
    const mismatched = tlsConfig();
    writeFileSync(mismatched, readFileSync(mismatched, 'utf8').replace('server.key', 'client.key'));
    const mismatch = await runCli([
      '--config',
      mismatched,
      '--port',
      '0',
      '--ws-port',
      '0',
      '--log-level',
      'silent',
    ]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(
      /listeners\.mqtts\.cert \/ listeners\.mqtts\.key: .*(mismatch|key values)/,
    );
  });
});
