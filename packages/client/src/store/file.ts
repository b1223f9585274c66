import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { PublishProperties } from '@mq/codec';
import { ClientErrorCode, MqttClientError } from '../errors.js';
import type { MessageStore, StoredChange, StoredMessage, StoredState } from './types.js';

export interface FileStoreOptions {
  /** Rewrite the log once it holds this many records more than live messages (default 10 000). */
  compactAfter?: number;
}

/** One JSON object per line; binary fields are base64. */
type LogRecord =
  | { op: 'put'; m: EncodedMessage }
  | { op: 'upd'; k: number; s: StoredState; p?: number }
  | { op: 'del'; k: number }
  | { op: 'in'; p: number }
  | { op: 'out'; p?: number };

interface EncodedMessage {
  k: number;
  t: string;
  b: string;
  q: 1 | 2;
  r: boolean;
  s: StoredState;
  p?: number;
  pr?: Record<string, unknown>;
}

const toBase64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

function encodeProperties(properties: PublishProperties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    out[key] = value instanceof Uint8Array ? { $b: toBase64(value) } : value;
  }
  return out;
}

function decodeProperties(encoded: Record<string, unknown>): PublishProperties {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(encoded)) {
    const binary =
      value && typeof value === 'object' && '$b' in value ? (value as { $b: string }).$b : undefined;
    out[key] = binary === undefined ? value : fromBase64(binary);
  }
  return out as PublishProperties;
}

function encodeMessage(m: StoredMessage): EncodedMessage {
  const e: EncodedMessage = {
    k: m.key,
    t: m.topic,
    b: toBase64(m.payload),
    q: m.qos,
    r: m.retain,
    s: m.state,
  };
  if (m.packetId !== undefined) e.p = m.packetId;
  if (m.properties) e.pr = encodeProperties(m.properties);
  return e;
}

function decodeMessage(e: EncodedMessage): StoredMessage {
  const m: StoredMessage = {
    key: e.k,
    topic: e.t,
    payload: fromBase64(e.b),
    qos: e.q,
    retain: e.r,
    state: e.s,
  };
  if (e.p !== undefined) m.packetId = e.p;
  if (e.pr) m.properties = decodeProperties(e.pr);
  return m;
}

/**
 * A crash-safe store for Node: an append-only log of put/update/delete records.
 * `put` resolves after the record is written and fsync'ed, so a SIGKILL (or power loss) right after
 * never loses an accepted message. Puts arriving in the same event-loop turn share one fsync (group
 * commit). Updates and deletes are written but not fsync'ed: losing one only causes a resend.
 * A torn last line (killed mid-write) is ignored on load; the log is compacted on load and when it
 * grows `compactAfter` records past the live set.
 */
export class FileStore implements MessageStore {
  readonly path: string;
  #fd: number | undefined;
  #live = new Map<number, StoredMessage>();
  #incoming = new Set<number>();
  #records = 0;
  #pending: string[] = [];
  #pendingDurable: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #written: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #flushScheduled = false;
  #compactAfter: number;
  #closed = false;

  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path;
    this.#compactAfter = options.compactAfter ?? 10_000;
  }

  async load(): Promise<StoredMessage[]> {
    this.#flushNow();
    this.#live.clear();
    this.#incoming.clear();
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        if (line.length === 0) continue;
        let record: LogRecord;
        try {
          record = JSON.parse(line) as LogRecord;
        } catch {
          continue; // torn write from a crash: the record was never acknowledged as accepted
        }
        this.#apply(record);
      }
    }
    this.#compact();
    return [...this.#live.values()].sort((a, b) => a.key - b.key).map((m) => ({ ...m }));
  }

  put(message: StoredMessage): Promise<void> {
    this.#live.set(message.key, { ...message });
    return new Promise((resolve, reject) => {
      this.#pendingDurable.push({ resolve, reject });
      this.#append({ op: 'put', m: encodeMessage(message) });
    });
  }

  /** Resolves once written (not fsync'ed): the client sends the PUBLISH or PUBREL it records only then. */
  update(key: number, change: StoredChange): Promise<void> {
    const message = this.#live.get(key);
    if (!message) return Promise.resolve();
    message.state = change.state;
    if (change.packetId === undefined) delete message.packetId;
    else message.packetId = change.packetId;
    const record: LogRecord = { op: 'upd', k: key, s: change.state };
    if (change.packetId !== undefined) record.p = change.packetId;
    return this.#appendAndWait(record);
  }

  async delete(key: number): Promise<void> {
    if (!this.#live.delete(key)) return;
    this.#append({ op: 'del', k: key });
  }

  /** Written (not fsync'ed) before PUBREC goes out: a kill after it still finds the id. */
  putIncoming(packetId: number): Promise<void> {
    this.#incoming.add(packetId);
    return this.#appendAndWait({ op: 'in', p: packetId });
  }

  async deleteIncoming(packetId: number): Promise<void> {
    if (!this.#incoming.delete(packetId)) return;
    this.#append({ op: 'out', p: packetId });
  }

  async clearIncoming(): Promise<void> {
    if (this.#incoming.size === 0) return;
    this.#incoming.clear();
    this.#append({ op: 'out' });
  }

  async loadIncoming(): Promise<number[]> {
    return [...this.#incoming].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushNow();
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #apply(record: LogRecord): void {
    if (record.op === 'put') {
      const m = decodeMessage(record.m);
      this.#live.set(m.key, m);
    } else if (record.op === 'upd') {
      const m = this.#live.get(record.k);
      if (!m) return;
      m.state = record.s;
      if (record.p === undefined) delete m.packetId;
      else m.packetId = record.p;
    } else if (record.op === 'del') {
      this.#live.delete(record.k);
    } else if (record.op === 'in') {
      this.#incoming.add(record.p);
    } else if (record.p === undefined) {
      this.#incoming.clear();
    } else {
      this.#incoming.delete(record.p);
    }
  }

  /** Resolves once the record is written (no fsync: enough for a killed process, not for power loss). */
  #appendAndWait(record: LogRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#written.push({ resolve, reject });
      this.#append(record);
    });
  }

  #append(record: LogRecord): void {
    if (this.#closed)
      throw new MqttClientError(ClientErrorCode.StoreError, `file store ${this.path} is closed`);
    this.#pending.push(`${JSON.stringify(record)}\n`);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flushNow());
  }

  #flushNow(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    const count = this.#pending.length;
    const waiters = this.#pendingDurable;
    const written = this.#written;
    this.#pending = [];
    this.#pendingDurable = [];
    this.#written = [];
    try {
      const fd = this.#open();
      writeSync(fd, text);
      if (waiters.length > 0) fsyncSync(fd);
      this.#records += count;
    } catch (cause) {
      const error = new MqttClientError(ClientErrorCode.StoreError, `cannot write ${this.path}`, { cause });
      for (const w of [...waiters, ...written]) w.reject(error);
      return;
    }
    for (const w of [...waiters, ...written]) w.resolve();
    if (this.#records > this.#live.size + this.#incoming.size + this.#compactAfter) this.#compact();
  }

  #open(): number {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#fd = openSync(this.path, 'a');
    }
    return this.#fd;
  }

  /** Writes only the live messages to a temp file, fsyncs it and renames it over the log. */
  #compact(): void {
    const tmp = `${this.path}.tmp`;
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const lines = [...this.#live.values()].map(
        (m) => `${JSON.stringify({ op: 'put', m: encodeMessage(m) })}\n`,
      );
      for (const p of this.#incoming) lines.push(`${JSON.stringify({ op: 'in', p })}\n`);
      if (lines.length > 0) writeSync(fd, lines.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    renameSync(tmp, this.path);
    const dirFd = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    this.#records = this.#live.size + this.#incoming.size;
  }
}
