import { describe, expect, it } from 'vitest';
import { mqttMerger, RetainedIndex, SubscriptionIndex, validateTopicName } from '../src/index.js';

// The README's opening example, with its comments turned into assertions.
describe('README example', () => {
  it('matches, merges and finds retained topics as the README says', () => {
    const subs = new SubscriptionIndex<{ qos: number; subscriptionIdentifier?: number }>();
    subs.add('client-a', 'sport/#', { qos: 1, subscriptionIdentifier: 7 });
    subs.add('client-a', 'sport/+', { qos: 2 });
    subs.add('client-b', '$share/workers/sport/tennis', { qos: 0 });
    expect(() => validateTopicName('sport/tennis')).not.toThrow();

    const seen: string[] = [];
    subs.match('sport/tennis', (sub) => seen.push(`${sub.subscriberKey} ${sub.filter}`));
    expect(seen.sort()).toEqual([
      'client-a sport/#',
      'client-a sport/+',
      'client-b $share/workers/sport/tennis',
    ]);

    const { subscribers, shared } = subs.matchMerged('sport/tennis', mqttMerger());
    expect(subscribers.get('client-a')).toMatchObject({ qos: 2, subscriptionIdentifiers: [7] });
    expect(subscribers.get('client-a')?.subscriptions).toHaveLength(2);
    expect(shared.map((s) => s.subscriberKey)).toEqual(['client-b']);

    const retained = new RetainedIndex<string>();
    retained.set('sport/tennis/score', '15-0');
    const found: string[] = [];
    retained.match('sport/+/score', (topic, payload) => found.push(`${topic} ${payload}`));
    expect(found).toEqual(['sport/tennis/score 15-0']);
  });
});
