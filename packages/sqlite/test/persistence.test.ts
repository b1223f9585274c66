import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, persistenceContract, type StoredOutgoing } from '@mq/broker';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqlitePersistence, SqliteStoreError } from '../src/index.js';
import { hasSqliteDriver } from './native.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);

/** A message with every optional field and every PUBLISH property the broker keeps. */
const fullMessage: Message = {
  topic: 'dev/ünï/çødé',
  payload: everyByte,
  qos: 2,
  retain: true,
  origin: 'publisher-1',
  expiresAt: 1_800_000_000_123,
  properties: {
    payloadFormatIndicator: 0,
    messageExpiryInterval: 600,
    contentType: 'application/octet-stream',
    responseTopic: 'replies/1',
    correlationData: Uint8Array.of(0, 1, 254, 255),
    userProperties: [
      ['k', 'v1'],
      ['k', 'v2'],
      ['a', ''],
    ],
  },
};

describe.runIf(hasSqliteDriver())('SqlitePersistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mq-sqlite-'));
  const open: SqlitePersistence[] = [];
  let files = 0;

  const file = () => join(dir, `store-${++files}.db`);
  function make(path: string, extra: { busyTimeoutMs?: number; synchronous?: 'normal' | 'full' } = {}) {
    const p = new SqlitePersistence({ path, ...extra });
    open.push(p);
    return p;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('persistence contract, in memory', () => {
    for (const c of persistenceContract) it(c.name, () => c.run(make(':memory:')));
  });

  describe('persistence contract, on a file', () => {
    for (const c of persistenceContract) it(c.name, () => c.run(make(file())));
  });

  it('round-trips a message exactly: payload bytes, properties, expiry, origin', async () => {
    const p = make(':memory:');
    await p.putRetained(fullMessage);
    const [got] = await p.matchRetained(fullMessage.topic);
    expect(got).toStrictEqual(fullMessage);
    expect(got?.payload).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(got?.payload)).toBe(false);
  });

  it('round-trips a bare message without adding fields', async () => {
    const p = make(':memory:');
    const bare: Message = { topic: 't', payload: bytes('x'), qos: 0, retain: false };
    await p.putWill({ clientId: 'c', message: bare, publishAt: 5 });
    expect(await p.listWills()).toStrictEqual([{ clientId: 'c', message: bare, publishAt: 5 }]);
  });

  it('keeps everything across close and reopen of the file', async () => {
    const path = file();
    const first = make(path);
    await first.saveSession({
      clientId: 'c1',
      protocolVersion: 5,
      expiryInterval: 3600,
      disconnectedAt: 1_700_000_000_000,
      subscriptions: [
        { topicFilter: 'a/#', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 },
        { topicFilter: '$share/g/b', qos: 2, subscriptionId: 9, readCheck: { username: 'u' } },
      ],
    });
    const outgoing: StoredOutgoing[] = [
      { seq: 1, state: 'pubrel', packetId: 7, delivery: { message: fullMessage, qos: 2, retain: false } },
      {
        seq: 2,
        state: 'queued',
        delivery: { message: fullMessage, qos: 1, retain: true, subscriptionIds: [9, 300_000] },
      },
    ];
    for (const entry of outgoing) await first.putOutgoing('c1', entry);
    await first.addIncomingQos2('c1', 65535);
    await first.putRetained(fullMessage);
    await first.putWill({
      clientId: 'c1',
      message: fullMessage,
      publishAt: 1_700_000_001_000,
      expirySeconds: 30,
    });
    const sessions = await first.listSessions();
    await first.close();

    const second = make(path);
    expect(await second.listSessions()).toStrictEqual(sessions);
    expect(sessions[0]?.subscriptions).toHaveLength(2);
    expect(await second.listOutgoing('c1')).toStrictEqual(outgoing);
    expect(await second.listIncomingQos2('c1')).toEqual([65535]);
    expect(await second.countRetained()).toBe(1);
    expect(await second.matchRetained('dev/+/#')).toStrictEqual([fullMessage]);
    expect(await second.listWills()).toStrictEqual([
      { clientId: 'c1', message: fullMessage, publishAt: 1_700_000_001_000, expirySeconds: 30 },
    ]);
  });

  it('replaces a saved session and its subscriptions but keeps its queued messages', async () => {
    const p = make(':memory:');
    await p.saveSession({
      clientId: 'c',
      protocolVersion: 4,
      expiryInterval: 10,
      subscriptions: [{ topicFilter: 'old', qos: 0 }],
    });
    await p.putOutgoing('c', {
      seq: 1,
      state: 'queued',
      delivery: { message: fullMessage, qos: 1, retain: false },
    });
    await p.saveSession({
      clientId: 'c',
      protocolVersion: 5,
      expiryInterval: 20,
      subscriptions: [{ topicFilter: 'new', qos: 1 }],
    });
    expect(await p.getSession('c')).toStrictEqual({
      clientId: 'c',
      protocolVersion: 5,
      expiryInterval: 20,
      subscriptions: [{ topicFilter: 'new', qos: 1 }],
    });
    expect((await p.listOutgoing('c')).map((e) => e.seq)).toEqual([1]);
  });

  it('ignores writes for a client without a session, so a late write cannot revive a deleted one', async () => {
    const p = make(':memory:');
    await p.addSubscription('ghost', { topicFilter: 'x', qos: 1 });
    await p.putOutgoing('ghost', {
      seq: 1,
      state: 'queued',
      delivery: { message: fullMessage, qos: 1, retain: false },
    });
    await p.addIncomingQos2('ghost', 1);
    await p.saveSession({ clientId: 'ghost', protocolVersion: 5, expiryInterval: 10, subscriptions: [] });
    expect(await p.getSession('ghost')).toMatchObject({ subscriptions: [] });
    expect(await p.listOutgoing('ghost')).toEqual([]);
    expect(await p.listIncomingQos2('ghost')).toEqual([]);
  });

  it('writes the schema version and refuses a file from a newer release', async () => {
    const path = file();
    const p = make(path);
    await p.close();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new SqlitePersistence(path)).toThrow(
      expect.objectContaining({ name: 'SqliteStoreError', code: 'SCHEMA_MISMATCH' }),
    );
  });

  it("refuses another application's database instead of writing into it", async () => {
    const path = file();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path);
    raw.exec('CREATE TABLE notes (body TEXT)');
    raw.close();
    expect(() => new SqlitePersistence(path)).toThrow(/not an @mq\/sqlite database/);
  });

  it('refuses a second opener of the same file while the first holds it (code LOCKED)', () => {
    const path = file();
    make(path);
    let error: unknown;
    try {
      new SqlitePersistence({ path, busyTimeoutMs: 50 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SqliteStoreError);
    expect((error as SqliteStoreError).code).toBe('LOCKED');
  });

  it('accepts synchronous full and refuses unknown options with TypeError', () => {
    make(file(), { synchronous: 'full' });
    expect(() => new SqlitePersistence({ path: ':memory:', synchronous: 'off' as 'full' })).toThrow(
      TypeError,
    );
    expect(() => new SqlitePersistence('')).toThrow(TypeError);
  });

  it('close() is idempotent and later operations reject with code CLOSED', async () => {
    const p = make(':memory:');
    await Promise.all([p.close(), p.close()]);
    await expect(p.putRetained(fullMessage)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(p.listSessions()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('reports a corrupt row as BAD_RECORD instead of returning garbage', async () => {
    const path = file();
    const p = make(path);
    await p.putRetained({ topic: 'x', payload: bytes('1'), qos: 1, retain: true });
    await p.close();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path);
    raw.prepare('UPDATE retained SET qos = 7').run();
    raw.close();
    await expect(make(path).matchRetained('x')).rejects.toMatchObject({ code: 'BAD_RECORD' });
  });
});
