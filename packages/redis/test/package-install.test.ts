import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefact, not the source: the packed tarballs installed into an empty folder.
describe('@mq/redis as installed from its tarball', () => {
  let install: PackedInstall;
  afterAll(() => install?.dispose());

  it('installs with the broker and exposes its classes through require() and import', () => {
    install = installPackedPackages([
      'packages/codec',
      'packages/topic-trie',
      'packages/broker',
      'packages/redis',
    ]);
    const probe = [
      'const classes = [m.RedisPersistence, m.RedisRouteBus, m.RedisBackendError];',
      "const ok = classes.every((c) => typeof c === 'function' && /^class /.test(Function.prototype.toString.call(c)));",
      'console.log(ok + " " + m.DEFAULT_PREFIX);',
    ].join('\n');
    expect(install.require(`const m = require('@mq/redis');\n${probe}`)).toBe('true mq:');
    expect(install.import(`import * as m from '@mq/redis';\n${probe}`)).toBe('true mq:');
  }, 120_000);
});
