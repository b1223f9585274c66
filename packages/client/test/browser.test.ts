import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, createBroker } from '@mq/broker';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';

const packageDir = join(import.meta.dirname, '..');

/** Bundles the fixture as an app would: `import '@mq/client'` resolved through package.json exports. */
async function bundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mq-browser-'));
  try {
    mkdirSync(join(dir, 'node_modules', '@mq'), { recursive: true });
    symlinkSync(packageDir, join(dir, 'node_modules', '@mq', 'client'), 'dir');
    const result = await build({
      entryPoints: [join(import.meta.dirname, 'fixtures', 'browser-entry.ts')],
      nodePaths: [join(dir, 'node_modules')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      conditions: ['source'],
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(hasSystemPeer('chromium'))('in headless Chromium over WebSocket to @mq/broker', () => {
  let broker: Broker | undefined;
  let browser: Browser | undefined;
  let server: Server | undefined;
  let script = '';

  beforeAll(async () => {
    script = await bundle();
    broker = createBroker({ listeners: [{ type: 'ws', port: 0, path: '/mqtt' }] });
    await broker.listen();
    server = createServer((request, response) => {
      if (request.url === '/app.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><script src="/app.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await broker?.close();
  });

  it('bundles without node:net, node:tls or ws', () => {
    expect(script.length).toBeGreaterThan(0);
    expect(script).not.toMatch(/node:net|node:tls|require\("ws"\)|from "ws"/);
    // The browser entry was picked: the Node-only file store is not in the bundle.
    expect(script).not.toContain('FileStore');
  });

  it('connects, subscribes, publishes and receives QoS 0/1/2', async () => {
    const page = await (browser as Browser).newPage();
    const address = server?.address();
    const httpPort = typeof address === 'object' && address ? address.port : 0;
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    const wsUrl = `ws://127.0.0.1:${broker?.addresses()[0]?.port}/mqtt`;
    const received = await page.evaluate(
      (url) => (globalThis as unknown as { mqttRoundTrip(u: string): Promise<unknown> }).mqttRoundTrip(url),
      wsUrl,
    );
    expect(received).toEqual([
      { topic: 'browser/q0', text: 'hello 0', qos: 0 },
      { topic: 'browser/q1', text: 'hello 1', qos: 1 },
      { topic: 'browser/q2', text: 'hello 2', qos: 2 },
    ]);
    await page.close();
  }, 60_000);
});
