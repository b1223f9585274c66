import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker } from './cli-process.js';

describe('mq-broker shutdown', () => {
  it('SIGTERM: MQTT 5 clients get DISCONNECT 0x8B, 3.1.1 clients are closed, exit 0', async () => {
    const broker = await startBroker(['--port', '0', '--ws-port', '0']);
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const v5 = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    const v4 = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
    const disconnect = new Promise<number | undefined>((done) => {
      v5.on('disconnect', (packet) => done(packet.reasonCode));
    });
    const v4Closed = new Promise<void>((done) => v4.once('close', () => done()));
    try {
      const exit = await broker.stop('SIGTERM');
      expect(await disconnect).toBe(0x8b);
      await v4Closed;
      expect(exit.code).toBe(0);
      expect(exit.signal).toBeNull();
      expect(broker.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['shutting down: disconnecting clients', 'stopped']),
      );
    } finally {
      v5.end(true);
      v4.end(true);
    }
  });

  it('SIGINT (Ctrl+C) also stops cleanly with exit 0', async () => {
    const broker = await startBroker(['--port', '0', '--ws-port', '0']);
    const exit = await broker.stop('SIGINT');
    expect(exit.code).toBe(0);
  });
});
