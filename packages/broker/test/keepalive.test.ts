import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('keep alive', () => {
  it('[MQTT-3.12.4-1] answers PINGREQ with PINGRESP', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'ping' });
    client.send({ type: 'pingreq' });
    expect(await client.nextPacket()).toEqual({ type: 'pingresp' });
    await client.end();
  });

  it('[MQTT-3.1.2-24] closes a 3.1.1 connection silent for 1.5 times its keep alive', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'quiet', keepAlive: 1 });
    await client.closed(5000);
  });

  it('[MQTT-3.1.2-22] sends a v5 client DISCONNECT 0x8D when its keep alive runs out', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'quiet5',
      keepAlive: 1,
      protocolVersion: 5,
    });
    expect(await client.nextPacket(5000)).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.KeepAliveTimeout,
    });
    await client.closed();
  });

  it('[MQTT-3.1.2-22] keeps a connection open while the client pings within the keep alive', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'pinger', keepAlive: 1 });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 600));
      client.send({ type: 'pingreq' });
      expect(await client.nextPacket()).toEqual({ type: 'pingresp' });
    }
    expect(client.isClosed).toBe(false);
    await client.end();
  });

  it('[MQTT-3.2.2-21] [MQTT-3.2.2-22] announces Server Keep Alive when the client asks for more than the maximum, or 0', async () => {
    started = await startBroker({ limits: { maxKeepAlive: 30 } });
    const big = await RawClient.connect(started.port, {
      clientId: 'big',
      keepAlive: 600,
      protocolVersion: 5,
    });
    expect(big.connack).toMatchObject({ reasonCode: 0, properties: { serverKeepAlive: 30 } });
    const zero = await RawClient.connect(started.port, {
      clientId: 'zero',
      keepAlive: 0,
      protocolVersion: 5,
    });
    expect(zero.connack).toMatchObject({ properties: { serverKeepAlive: 30 } });
    const ok = await RawClient.connect(started.port, { clientId: 'ok', keepAlive: 20, protocolVersion: 5 });
    expect(ok.connack.type === 'connack' && ok.connack.properties?.serverKeepAlive).toBeFalsy();
    await big.client.end();
    await zero.client.end();
    await ok.client.end();
  });

  it('refuses a 3.1.1 keep alive above the configured maximum with return code 0x02', async () => {
    started = await startBroker({ limits: { maxKeepAlive: 30 } });
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'big4', keepAlive: 600 });
    expect(connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 2 });
    await client.closed();
  });

  it('[MQTT-3.1.2-21] enforces the Server Keep Alive it announced', async () => {
    started = await startBroker({ limits: { maxKeepAlive: 1 } });
    const { client } = await RawClient.connect(started.port, {
      clientId: 'sk',
      keepAlive: 0,
      protocolVersion: 5,
    });
    expect(await client.nextPacket(5000)).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.KeepAliveTimeout,
    });
    await client.closed();
  });
});
