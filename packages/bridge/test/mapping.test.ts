import { createBroker } from '@mq/broker';
import { describe, expect, it } from 'vitest';
import { BridgeConfigError, createBridge, type TopicMapping } from '../src/index.js';
import { compileMapping, MappingMatcher, swapPrefix } from '../src/mapping.js';

const broker = createBroker({ listeners: [] });
const withTopics = (topics: TopicMapping[]) =>
  createBridge(broker, { url: 'mqtt://127.0.0.1:1', clientId: 'test', topics });

function configError(topics: TopicMapping[]): BridgeConfigError {
  try {
    withTopics(topics);
  } catch (error) {
    if (error instanceof BridgeConfigError) return error;
    throw error;
  }
  throw new Error('expected a BridgeConfigError');
}

describe('mapping validation', () => {
  it.each([
    ['a/#/b', 'pattern'],
    ['a+', 'pattern'],
    ['x#', 'pattern'],
  ])('[MQTT-4.7.1-1] [MQTT-4.7.1-2] rejects the filter %s, naming the mapping index', (pattern) => {
    const error = configError([
      { pattern: 'ok/#', direction: 'out', qos: 0 },
      { pattern, direction: 'in', qos: 1 },
    ]);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('INVALID_MAPPING');
    expect(error.mappingIndex).toBe(1);
    expect(error.message).toMatch(/^topics\[1\]: pattern/);
  });

  it('rejects wildcards in prefixes, shared filters, bad directions and QoS', () => {
    expect(configError([{ pattern: '#', direction: 'out', qos: 0, localPrefix: 'a/+/' }]).message).toMatch(
      /topics\[0\]: localPrefix 'a\/\+\/' must not contain/,
    );
    expect(
      configError([{ pattern: 'g/t', direction: 'in', qos: 0, remotePrefix: '$share/' }]).message,
    ).toMatch(/remotePrefix/);
    expect(configError([{ pattern: '$share/g/t', direction: 'in', qos: 0 }]).message).toMatch(
      /shared subscription/,
    );
    const badDirection = { pattern: 't', direction: 'sideways', qos: 0 } as unknown as TopicMapping;
    expect(configError([badDirection]).message).toMatch(/direction must be/);
    const badQos = { pattern: 't', direction: 'in', qos: 3 } as unknown as TopicMapping;
    expect(configError([badQos]).message).toMatch(/qos must be 0, 1 or 2/);
    expect(
      configError([{ pattern: '', direction: 'in', qos: 0, localPrefix: 'only/local' }]).message,
    ).toMatch(/empty pattern needs both prefixes/);
  });

  it('carries the topic-trie error as the cause', () => {
    const error = configError([{ pattern: 'a/#/b', direction: 'out', qos: 0 }]);
    expect(error.cause).toMatchObject({
      name: 'TopicValidationError',
      code: 'MULTI_LEVEL_WILDCARD_POSITION',
    });
  });

  it('builds each side filter from its prefix', () => {
    const m = compileMapping(
      { pattern: 'sensors/+', direction: 'both', qos: 2, localPrefix: 'site/', remotePrefix: 'hq/site/' },
      3,
    );
    expect(m).toMatchObject({
      localFilter: 'site/sensors/+',
      remoteFilter: 'hq/site/sensors/+',
      subscriptionId: 4,
      qos: 2,
    });
    // An empty pattern makes each prefix a whole topic name.
    expect(
      compileMapping({ pattern: '', direction: 'out', qos: 0, localPrefix: 'a/b', remotePrefix: 'c' }, 0),
    ).toMatchObject({ localFilter: 'a/b', remoteFilter: 'c' });
  });
});

describe('swapPrefix', () => {
  it('moves a topic between prefixes', () => {
    expect(swapPrefix('site/sensors/t', 'site/', 'hq/')).toBe('hq/sensors/t');
    expect(swapPrefix('t', '', 'remote/')).toBe('remote/t');
    expect(swapPrefix('remote/t', 'remote/', '')).toBe('t');
  });

  it('maps the parent level that a # filter also matches', () => {
    expect(swapPrefix('site', 'site/', 'hq/')).toBe('hq');
    expect(swapPrefix('site', 'site/', '')).toBeUndefined();
  });
});

describe('MappingMatcher', () => {
  const mappings = [
    compileMapping({ pattern: 'a/#', direction: 'out', qos: 0 }, 0),
    compileMapping({ pattern: 'a/b', direction: 'out', qos: 1, localPrefix: '' }, 1),
    compileMapping({ pattern: '#', direction: 'out', qos: 0, localPrefix: 'x/' }, 2),
  ];
  const matcher = new MappingMatcher(mappings, 'local');

  it('picks the first matching mapping in declaration order', () => {
    expect(matcher.first('a/b')?.index).toBe(0);
    expect(matcher.first('x/y')?.index).toBe(2);
    expect(matcher.first('z')).toBeUndefined();
    expect(matcher.matches(mappings[1]!, 'a/b')).toBe(true);
    expect(matcher.matches(mappings[1]!, 'a/c')).toBe(false);
  });

  it('[MQTT-4.7.2-1] a leading wildcard does not match $ topics', () => {
    const all = new MappingMatcher([compileMapping({ pattern: '#', direction: 'out', qos: 0 }, 0)], 'local');
    expect(all.first('$SYS/broker/uptime')).toBeUndefined();
    expect(all.first('plain')?.index).toBe(0);
  });
});
