import { describe, expect, it } from 'vitest';
import { addressUrl, dialHost, isLoopback, tryItLines } from '../src/banner.js';
import { describeDisconnect } from '../src/client-log.js';
import { DEFAULT_CONFIG } from '../src/config-schema.js';
import { usePretty } from '../src/logger.js';

describe('banner', () => {
  it('dials loopback when bound to every interface, brackets IPv6 in URLs', () => {
    expect(dialHost('0.0.0.0')).toBe('127.0.0.1');
    expect(dialHost('::')).toBe('127.0.0.1');
    expect(dialHost('::1')).toBe('[::1]');
    expect(dialHost('10.1.2.3')).toBe('10.1.2.3');
    expect(addressUrl({ type: 'ws', host: '::1', port: 9001 }, DEFAULT_CONFIG)).toBe('ws://[::1]:9001/mqtt');
    expect(addressUrl({ type: 'tcp', host: '0.0.0.0', port: 1883 }, DEFAULT_CONFIG)).toBe(
      'mqtt://127.0.0.1:1883',
    );
  });

  it('knows which hosts are loopback', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.0.1.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.5')).toBe(false);
  });

  it('suggests commands with the bound TCP port', () => {
    const lines = tryItLines([{ type: 'tcp', host: '::1', port: 1999 }], 'mq-sim');
    expect(lines).toContain(
      "  mosquitto_sub -h ::1 -p 1999 -t '#' -v                      # watch every message",
    );
    expect(lines.some((l) => l.includes('mq-sim --url mqtt://[::1]:1999 --sensors 5 --watch'))).toBe(true);
    expect(tryItLines([{ type: 'ws', host: '127.0.0.1', port: 1 }], 'mq-sim')).toEqual([]);
  });
});

describe('describeDisconnect', () => {
  it('says who ended the connection, why, and the code', () => {
    expect(describeDisconnect({ by: 'client', reasonCode: 0 })).toBe(
      'client sent DISCONNECT: normal disconnection (0x00)',
    );
    expect(describeDisconnect({ by: 'server', reasonCode: 0x8d })).toBe(
      'closed by the broker: keep alive timeout (0x8d)',
    );
    expect(describeDisconnect({ by: 'network', reasonCode: 0x80, error: new Error('read ECONNRESET') })).toBe(
      'connection lost: unspecified error (0x80): read ECONNRESET',
    );
  });
});

describe('usePretty', () => {
  it('is pretty on a terminal with auto, or when asked', () => {
    expect(usePretty('auto', true)).toBe(true);
    expect(usePretty('auto', false)).toBe(false);
    expect(usePretty('auto', undefined)).toBe(false);
    expect(usePretty('pretty', false)).toBe(true);
    expect(usePretty('json', true)).toBe(false);
  });
});
