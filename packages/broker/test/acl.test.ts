import { describe, expect, it } from 'vitest';
import { Acl, parseAcl } from '../src/index.js';
import {
  patternCoversFilter,
  patternMatchesTopic,
  patternOverlapsFilter,
} from '../src/security/filter-relations.js';

describe('ACL topic relations', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/+', 'a/b/c', false],
    ['+/b', '$SYS/b', false],
    ['#', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b/c', false],
  ])('[MQTT-4.7.2-1] pattern %s matches topic %s: %s', (pattern, topic, expected) => {
    expect(patternMatchesTopic(pattern, topic)).toBe(expected);
  });

  it.each([
    ['a/#', 'a/b/+', true, true],
    ['a/#', '#', false, true],
    ['a/+/c', 'a/+/c', true, true],
    ['a/b/c', 'a/+/c', false, true],
    ['a/+', 'a/#', false, true],
    ['a/b', 'c/#', false, false],
    ['#', '$SYS/#', false, false],
    ['a/+/c', 'a/b/d', false, false],
    ['a/b', 'a/b/#', false, true],
  ])('pattern %s vs filter %s: covers %s, overlaps %s', (pattern, filter, covers, overlaps) => {
    expect(patternCoversFilter(pattern, filter)).toBe(covers);
    expect(patternOverlapsFilter(pattern, filter)).toBe(overlaps);
  });
});

describe('ACL rules', () => {
  const acl = new Acl(
    parseAcl(`
# anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic write shared/in
topic deny alice/private/#
topic read sensors/+/temp

pattern readwrite clients/%c/#
pattern read users/%u/inbox
`),
  );
  const alice = { clientId: 'c1', username: 'alice' };
  const anon = { clientId: 'c2' };

  it('grants per user, per anonymous client and by pattern with %u and %c', () => {
    expect(acl.canPublish(alice, 'alice/x')).toBe(true);
    expect(acl.canPublish(alice, 'shared/in')).toBe(true);
    expect(acl.canRead(alice, 'shared/in')).toBe(false);
    expect(acl.canPublish(alice, 'public/x')).toBe(false);
    expect(acl.canRead(anon, 'public/x')).toBe(true);
    expect(acl.canPublish(anon, 'public/x')).toBe(false);
    expect(acl.canPublish(alice, 'clients/c1/state')).toBe(true);
    expect(acl.canPublish(anon, 'clients/c2/state')).toBe(true);
    expect(acl.canPublish(anon, 'clients/c1/state')).toBe(false);
    expect(acl.canRead(alice, 'users/alice/inbox')).toBe(true);
    expect(acl.canRead(anon, 'users/alice/inbox')).toBe(false);
  });

  it('lets deny win over a wider grant', () => {
    expect(acl.canPublish(alice, 'alice/private/key')).toBe(false);
    expect(acl.canRead(alice, 'alice/private')).toBe(false);
  });

  it('does not substitute names that contain wildcards or separators', () => {
    expect(acl.canPublish({ clientId: '+' }, 'clients/x/y')).toBe(false);
    expect(acl.canRead({ clientId: 'c', username: 'a/b' }, 'users/a/b/inbox')).toBe(false);
  });

  it('fills %u and %c in once: a user name "%c" is not replaced by the client id, an empty one grants nothing', () => {
    const both = new Acl(parseAcl('pattern readwrite users/%u/#\npattern read mixed/%u/%c'));
    expect(both.canRead({ clientId: 'bob', username: '%c' }, 'users/bob/private')).toBe(false);
    expect(both.canRead({ clientId: 'bob', username: '%c' }, 'users/%c/x')).toBe(true);
    expect(both.canRead({ clientId: 'x', username: '' }, 'users//a')).toBe(false);
    expect(both.canRead({ clientId: 'phone', username: 'ann' }, 'mixed/ann/phone')).toBe(true);
  });

  it('decides subscriptions: inside a permission, wider than it, or outside', () => {
    expect(acl.checkSubscribe(alice, 'sensors/+/temp')).toBe('allow');
    expect(acl.checkSubscribe(alice, 'sensors/kitchen/temp')).toBe('allow');
    expect(acl.checkSubscribe(alice, 'sensors/#')).toBe('check-delivery');
    expect(acl.checkSubscribe(alice, '#')).toBe('check-delivery');
    // alice/# is granted but a deny rule lies inside it: every message is checked.
    expect(acl.checkSubscribe(alice, 'alice/#')).toBe('check-delivery');
    expect(acl.checkSubscribe(alice, 'alice/private/#')).toBe('deny');
    expect(acl.checkSubscribe(alice, 'other/#')).toBe('deny');
    expect(acl.checkSubscribe(anon, 'public/#')).toBe('allow');
  });

  it('takes the object form, and refuses bad lines and bad access words', () => {
    const fromObject = new Acl({ users: { bob: [{ access: 'read', topic: 'b/#' }] } });
    expect(fromObject.canRead({ clientId: 'x', username: 'bob' }, 'b/1')).toBe(true);
    expect(parseAcl('topic a/b').anonymous).toEqual([{ access: 'readwrite', topic: 'a/b' }]);
    expect(() => parseAcl('user alice\ntopc read x')).toThrow(/line 2/);
    expect(() => parseAcl('topic read')).toThrow(/line 1/);
    expect(() => new Acl({ patterns: [{ access: 'all' as 'read', topic: 'x' }] })).toThrow(TypeError);
  });
});
