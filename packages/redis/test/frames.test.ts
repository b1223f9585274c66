import type { Message } from '@mq/broker';
import { describe, expect, it } from 'vitest';
import { RedisBackendError } from '../src/errors.js';
import {
  decodeMessageFrame,
  decodeShareFrame,
  encodeMessageFrame,
  encodeShareFrame,
  type FrameRoute,
  ShareKind,
} from '../src/frames.js';
import { ShareTable } from '../src/share-table.js';

const message: Message = { topic: 'jobs/1', payload: Uint8Array.of(1, 2, 3), qos: 1, retain: false };

describe('bus frames', () => {
  const routes: Array<{ name: string; route: FrameRoute }> = [
    { name: 'no group', route: { assignments: [], sharedOnly: false, tried: [] } },
    {
      name: 'groups assigned to nodes',
      route: {
        assignments: [
          ['$share/a/jobs/#', 'node-1'],
          ['$share/b/+/1', 'node-2'],
        ],
        sharedOnly: false,
        tried: [],
      },
    },
    {
      name: 'a group passed on',
      route: { assignments: [['$share/a/jobs/#', 'node-3']], sharedOnly: true, tried: ['node-1', 'node-2'] },
    },
    { name: 'unrouted', route: { assignments: [], sharedOnly: false, tried: [], unrouted: true } },
  ];
  for (const { name, route } of routes) {
    it(`round-trips a message frame with ${name}`, () => {
      const frame = decodeMessageFrame(encodeMessageFrame('sender', message, route));
      expect(frame.sender).toBe('sender');
      expect(frame.route).toEqual(route);
      expect(frame.message()).toEqual(message);
    });
  }

  it('round-trips share frames and refuses an unknown kind with BAD_RECORD', () => {
    for (const kind of Object.values(ShareKind)) {
      const withGroup = kind === ShareKind.Joined || kind === ShareKind.Left;
      const frame = { kind, sender: 'n', group: withGroup ? '$share/g/t' : '' };
      expect(decodeShareFrame(encodeShareFrame(frame))).toEqual(frame);
    }
    const bad = encodeShareFrame({ kind: ShareKind.Joined, sender: 'n', group: '$share/g/t' });
    bad[1] = 9;
    expect(() => decodeShareFrame(bad)).toThrow(RedisBackendError);
  });
});

describe('ShareTable', () => {
  it('assigns each matching group to its nodes in turn, and passes a group on to an untried node', () => {
    const table = new ShareTable();
    expect(table.assign('jobs/1')).toBeUndefined();
    table.set('a', '$share/g/jobs/#', true);
    table.set('b', '$share/g/jobs/#', true);
    table.set('b', '$share/h/jobs/1', true);
    table.set('b', '$share/h/jobs/1', true);
    const picks = Array.from({ length: 4 }, () => table.assign('jobs/1'));
    expect(picks.map((p) => p?.find(([group]) => group === '$share/g/jobs/#')?.[1])).toEqual([
      'a',
      'b',
      'a',
      'b',
    ]);
    expect(picks.every((p) => p?.some(([group, node]) => group === '$share/h/jobs/1' && node === 'b'))).toBe(
      true,
    );
    expect(table.assign('other')).toBeUndefined();
    expect(table.next('$share/g/jobs/#', ['a'])).toBe('b');
    expect(table.next('$share/g/jobs/#', ['a', 'b'])).toBeUndefined();
    table.set('a', '$share/g/jobs/#', false);
    expect(table.assign('jobs/2')).toEqual([['$share/g/jobs/#', 'b']]);
    table.reset('b');
    expect(table.assign('jobs/1')).toBeUndefined();
    expect(table.has('b', '$share/h/jobs/1')).toBe(false);
  });

  it('never picks a node marked down, to assign or pass a group on, and keeps its entries until reset', () => {
    const table = new ShareTable();
    table.set('a', '$share/g/jobs/#', true);
    table.set('b', '$share/g/jobs/#', true);
    table.set('b', '$share/h/jobs/#', true);
    table.setDown('b', true);
    const picks = Array.from({ length: 4 }, () => table.assign('jobs/1'));
    // Group h has no node up: it is left out rather than sent to the dead node.
    expect(picks).toEqual(Array.from({ length: 4 }, () => [['$share/g/jobs/#', 'a']]));
    expect(table.next('$share/g/jobs/#', ['a'])).toBeUndefined();
    expect(table.hasOther('$share/g/jobs/#', [], 'a')).toBe(false);
    expect(table.groupsOf('b').sort()).toEqual(['$share/g/jobs/#', '$share/h/jobs/#']);
    table.setDown('b', false);
    const again = Array.from({ length: 2 }, () =>
      table
        .assign('jobs/1')
        ?.map(([, node]) => node)
        .sort(),
    );
    expect(again).toContainEqual(['b', 'b']);
    expect(table.hasOther('$share/g/jobs/#', [], 'a')).toBe(true);
    table.setDown('b', true);
    table.reset('b');
    expect(table.isDown('b')).toBe(false);
    expect(table.groupsOf('b')).toEqual([]);
  });
});
