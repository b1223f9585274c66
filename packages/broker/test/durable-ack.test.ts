import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPersistence, type StoredOutgoing } from '../src/index.js';
import { RawClient, type Started, startBroker, text, until } from './harness.js';

/**
 * A store that writes asynchronously, as a networked one does: outgoing-message writes land only when the
 * test releases them, and whenDurable() reports the writes still pending.
 */
class LaggingStore extends MemoryPersistence {
  #pending: Array<() => void> = [];
  #durable: Promise<void> | undefined;

  override putOutgoing(clientId: string, entry: StoredOutgoing): Promise<void> {
    const landed = new Promise<void>((resolve) => this.#pending.push(resolve)).then(() =>
      super.putOutgoing(clientId, entry),
    );
    const durable = landed.then(() => {
      if (this.#durable === durable) this.#durable = undefined;
    });
    this.#durable = durable;
    return landed;
  }

  whenDurable(): Promise<void> | undefined {
    return this.#durable;
  }

  get pendingWrites(): number {
    return this.#pending.length;
  }

  release(): void {
    for (const resolve of this.#pending.splice(0)) resolve();
  }

  /** Lands only the oldest pending write. */
  releaseOne(): void {
    this.#pending.shift()?.();
  }
}

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

function publish(client: RawClient, topic: string, qos: 1 | 2, packetId: number): void {
  client.send({ type: 'publish', topic, qos, packetId, retain: false, dup: false, payload: text(topic) });
}

async function offlineSubscriber(port: number): Promise<void> {
  const { client } = await RawClient.connect(port, {
    clientId: 'away',
    protocolVersion: 5,
    cleanStart: false,
    properties: { sessionExpiryInterval: 600 },
  });
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'keep/#', qos: 1 }] });
  await client.expectPacket('suback');
  await client.end();
}

describe('acknowledgements wait for an asynchronous store', () => {
  it('[MQTT-4.3.2-2] sends PUBACK only once the message is stored for an offline persistent session', async () => {
    const store = new LaggingStore();
    started = await startBroker({ persistence: store });
    await offlineSubscriber(started.port);
    const { client } = await RawClient.connect(started.port, { clientId: 'pub' });
    publish(client, 'keep/1', 1, 11);
    // Not acknowledged while the write to the absent subscriber's session is in flight.
    expect(await client.expectNoPacket(200)).toBeUndefined();
    expect(store.pendingWrites).toBe(1);
    store.release();
    expect(await client.expectPacket('puback')).toMatchObject({ packetId: 11 });
    const stored = await store.listOutgoing('away');
    expect(stored.map((e) => e.delivery.message.topic)).toEqual(['keep/1']);
    await client.end();
  });

  it('[MQTT-4.3.3-2] holds PUBREC the same way for QoS 2', async () => {
    const store = new LaggingStore();
    started = await startBroker({ persistence: store });
    await offlineSubscriber(started.port);
    const { client } = await RawClient.connect(started.port, { clientId: 'pub2' });
    publish(client, 'keep/2', 2, 12);
    expect(await client.expectNoPacket(200)).toBeUndefined();
    store.release();
    expect(await client.expectPacket('pubrec')).toMatchObject({ packetId: 12 });
    await client.end();
  });

  it('keeps PUBACKs in the order of their PUBLISHes when only the first waits for the store', async () => {
    const store = new LaggingStore();
    started = await startBroker({ persistence: store });
    await offlineSubscriber(started.port);
    const { client } = await RawClient.connect(started.port, { clientId: 'pub3' });
    publish(client, 'keep/3', 1, 21); // stored for the absent subscriber: waits
    publish(client, 'nobody/listens', 1, 22); // nothing to store: would be acknowledged at once
    publish(client, 'nobody/listens', 1, 23);
    expect(await client.expectNoPacket(200)).toBeUndefined();
    store.release();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.expectPacket('puback')).packetId);
    expect(ids).toEqual([21, 22, 23]);
    await client.end();
  });

  it('does not let a later PUBACK overtake its own write while an earlier ack waits', async () => {
    const store = new LaggingStore();
    started = await startBroker({ persistence: store });
    await offlineSubscriber(started.port);
    const { client } = await RawClient.connect(started.port, { clientId: 'pub5' });
    publish(client, 'keep/5', 1, 41);
    publish(client, 'keep/6', 1, 42);
    await until(() => store.pendingWrites === 2);
    store.releaseOne();
    expect(await client.expectPacket('puback')).toMatchObject({ packetId: 41 });
    // keep/6 is still not stored: its PUBACK must wait although the ack before it went out.
    expect(await client.expectNoPacket(200)).toBeUndefined();
    store.release();
    expect(await client.expectPacket('puback')).toMatchObject({ packetId: 42 });
    await client.end();
  });

  it('acknowledges at once with a store that writes synchronously (no whenDurable)', async () => {
    started = await startBroker({ persistence: new MemoryPersistence() });
    await offlineSubscriber(started.port);
    const { client } = await RawClient.connect(started.port, { clientId: 'pub4' });
    publish(client, 'keep/4', 1, 31);
    expect(await client.expectPacket('puback', 1000)).toMatchObject({ packetId: 31 });
    await client.end();
  });
});
