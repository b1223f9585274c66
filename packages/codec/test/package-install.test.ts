import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefact, not the source: the packed tarball installed alone into an empty folder.
describe('@mq/codec as installed from its tarball', () => {
  let install: PackedInstall;
  afterAll(() => install?.dispose());

  it('installs alone and round-trips a PINGREQ through require() and import', () => {
    install = installPackedPackages(['packages/codec']);
    const probe = `const bytes = m.encodePacket({ type: 'pingreq' }, 4);
      const out = [];
      new m.PacketDecoder({ protocolVersion: 4 }).push(bytes, (p) => out.push(p.type));
      console.log(Array.from(bytes).join(',') + ' ' + out.join(','));`;
    expect(install.require(`const m = require('@mq/codec'); ${probe}`)).toBe('192,0 pingreq');
    expect(install.import(`import * as m from '@mq/codec'; ${probe}`)).toBe('192,0 pingreq');
  }, 120_000);
});
