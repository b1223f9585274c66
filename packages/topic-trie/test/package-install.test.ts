import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefact, not the source: the packed tarball installed alone into an empty folder.
describe('@mq/topic-trie as installed from its tarball', () => {
  let install: PackedInstall;
  afterAll(() => install?.dispose());

  it('installs alone and validates a filter through require() and import', () => {
    install = installPackedPackages(['packages/topic-trie']);
    const probe = `console.log(m.isValidTopicFilter('sport/#') + ' ' + m.isValidTopicFilter('sport#'));`;
    expect(install.require(`const m = require('@mq/topic-trie'); ${probe}`)).toBe('true false');
    expect(install.import(`import * as m from '@mq/topic-trie'; ${probe}`)).toBe('true false');
  }, 120_000);
});
