import assert from 'node:assert/strict';
import type { Message } from '../message.js';
import type { Persistence } from './types.js';

/** One check every Persistence implementation must pass. */
export interface PersistenceContractCase {
  name: string;
  run(persistence: Persistence): Promise<void>;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const msg = (topic: string, payload: string, qos: 0 | 1 | 2 = 1): Message => ({
  topic,
  payload: bytes(payload),
  qos,
  retain: true,
});

/**
 * The Persistence contract as data: run every case against a fresh instance of a backend, e.g.
 * `for (const c of persistenceContract) it(c.name, async () => c.run(await makeBackend()))`.
 */
export const persistenceContract: readonly PersistenceContractCase[] = [
  {
    name: 'saves, reads back and deletes a session with its subscriptions',
    async run(p) {
      await p.saveSession({
        clientId: 'c1',
        protocolVersion: 5,
        expiryInterval: 60,
        subscriptions: [{ topicFilter: 'a/#', qos: 1, subscriptionId: 7 }],
      });
      const got = await p.getSession('c1');
      assert.equal(got?.expiryInterval, 60);
      assert.deepEqual(got?.subscriptions, [{ topicFilter: 'a/#', qos: 1, subscriptionId: 7 }]);
      assert.equal((await p.listSessions()).length, 1);
      await p.deleteSession('c1');
      assert.equal(await p.getSession('c1'), undefined);
      assert.equal((await p.listSessions()).length, 0);
    },
  },
  {
    name: "keeps a session's owner, with and without a user name, and no owner where none was given",
    async run(p) {
      const base = { protocolVersion: 5 as const, expiryInterval: 60 };
      await p.saveSession({ ...base, clientId: 'named', owner: { username: 'alice' }, subscriptions: [] });
      await p.saveSession({ ...base, clientId: 'anonymous', owner: {}, subscriptions: [] });
      await p.saveSession({ ...base, clientId: 'legacy', subscriptions: [] });
      assert.deepEqual((await p.getSession('named'))?.owner, { username: 'alice' });
      assert.deepEqual((await p.getSession('anonymous'))?.owner, {});
      assert.equal((await p.getSession('legacy'))?.owner, undefined);
      const listed = new Map((await p.listSessions()).map((s) => [s.clientId, s.owner]));
      assert.deepEqual(listed.get('named'), { username: 'alice' });
    },
  },
  {
    name: 'adds, replaces and removes subscriptions of a stored session',
    async run(p) {
      await p.saveSession({
        clientId: 'c1',
        protocolVersion: 4,
        expiryInterval: 0xffffffff,
        subscriptions: [],
      });
      await p.addSubscription('c1', { topicFilter: 'x', qos: 0 });
      await p.addSubscription('c1', { topicFilter: 'x', qos: 2 });
      await p.addSubscription('c1', { topicFilter: 'y/+', qos: 1 });
      await p.removeSubscription('c1', 'y/+');
      assert.deepEqual((await p.getSession('c1'))?.subscriptions, [{ topicFilter: 'x', qos: 2 }]);
    },
  },
  {
    name: 'keeps outgoing messages in seq order, replaces by seq and removes them',
    async run(p) {
      await p.saveSession({ clientId: 'c1', protocolVersion: 5, expiryInterval: 10, subscriptions: [] });
      const delivery = { message: msg('t', 'a'), qos: 1 as const, retain: false };
      await p.putOutgoing('c1', { seq: 2, state: 'queued', delivery });
      await p.putOutgoing('c1', { seq: 1, state: 'publish', packetId: 5, delivery });
      await p.putOutgoing('c1', { seq: 1, state: 'pubrel', packetId: 5, delivery });
      const list = await p.listOutgoing('c1');
      assert.deepEqual(
        list.map((e) => [e.seq, e.state]),
        [
          [1, 'pubrel'],
          [2, 'queued'],
        ],
      );
      assert.equal(new TextDecoder().decode(list[0]?.delivery.message.payload), 'a');
      await p.removeOutgoing('c1', 1);
      assert.deepEqual(
        (await p.listOutgoing('c1')).map((e) => e.seq),
        [2],
      );
    },
  },
  {
    name: 'tracks inbound QoS 2 packet ids and drops everything with the session',
    async run(p) {
      await p.saveSession({ clientId: 'c1', protocolVersion: 5, expiryInterval: 10, subscriptions: [] });
      await p.addIncomingQos2('c1', 3);
      await p.addIncomingQos2('c1', 4);
      await p.removeIncomingQos2('c1', 3);
      assert.deepEqual(await p.listIncomingQos2('c1'), [4]);
      await p.putOutgoing('c1', {
        seq: 1,
        state: 'queued',
        delivery: { message: msg('t', 'a'), qos: 1, retain: false },
      });
      await p.deleteSession('c1');
      assert.deepEqual(await p.listIncomingQos2('c1'), []);
      assert.deepEqual(await p.listOutgoing('c1'), []);
    },
  },
  {
    name: 'stores, replaces, matches and deletes retained messages',
    async run(p) {
      await p.putRetained(msg('a/b', 'one'));
      await p.putRetained(msg('a/b', 'two'));
      await p.putRetained(msg('a/c', 'three'));
      await p.putRetained(msg('$SYS/x', 'sys'));
      assert.equal(await p.countRetained(), 3);
      const exact = await p.matchRetained('a/b');
      assert.deepEqual(
        exact.map((m) => new TextDecoder().decode(m.payload)),
        ['two'],
      );
      assert.deepEqual((await p.matchRetained('a/+')).map((m) => m.topic).sort(), ['a/b', 'a/c']);
      assert.deepEqual(
        (await p.matchRetained('#')).map((m) => m.topic).sort(),
        ['a/b', 'a/c'],
        'wildcards at the first level do not match $ topics',
      );
      assert.deepEqual(
        (await p.matchRetained('$SYS/#')).map((m) => m.topic),
        ['$SYS/x'],
      );
      await p.putRetained({ ...msg('a/b', ''), payload: new Uint8Array(0) });
      assert.deepEqual(
        (await p.matchRetained('a/#')).map((m) => m.topic),
        ['a/c'],
      );
    },
  },
  {
    name: 'stores, lists and deletes wills',
    async run(p) {
      await p.putWill({ clientId: 'c1', message: msg('w', 'bye'), publishAt: 1000 });
      await p.putWill({ clientId: 'c2', message: msg('w', 'bye2'), publishAt: 2000 });
      await p.deleteWill('c1');
      const wills = await p.listWills();
      assert.deepEqual(
        wills.map((w) => [w.clientId, w.publishAt]),
        [['c2', 2000]],
      );
    },
  },
];
