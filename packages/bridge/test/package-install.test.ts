import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefacts: the packed tarballs of the whole stack installed together into an
// empty folder, the bridge finding its dependencies and its peer @mq/broker there.
describe('@mq/bridge as installed from its tarball', () => {
  let install: PackedInstall;
  afterAll(() => install?.dispose());

  it('bridges two brokers through import() and validates mappings through require()', () => {
    install = installPackedPackages([
      'packages/codec',
      'packages/topic-trie',
      'packages/client',
      'packages/broker',
      'packages/bridge',
    ]);
    const validate = `const { createBroker } = require('@mq/broker');
      const { createBridge } = require('@mq/bridge');
      try {
        createBridge(createBroker({ listeners: [] }), {
          url: 'mqtt://127.0.0.1:1', clientId: 'x', topics: [{ pattern: 'a/#/b', direction: 'out', qos: 0 }],
        });
      } catch (e) { console.log(e.code + ' ' + e.mappingIndex); }`;
    expect(install.require(validate)).toBe('INVALID_MAPPING 0');
    const bridgeTwo = `import { createBroker } from '@mq/broker';
      import { createBridge } from '@mq/bridge';
      const make = () => createBroker({ listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }], sys: { enabled: false, intervalMs: 10000 } });
      const a = make();
      const b = make();
      await a.listen();
      const [remote] = await b.listen();
      const bridge = createBridge(a, {
        url: 'mqtt://127.0.0.1:' + remote.port, clientId: 'pack-bridge',
        topics: [{ pattern: '#', direction: 'in', qos: 1, remotePrefix: 'far/', localPrefix: 'near/' }],
      });
      await bridge.start();
      const arrived = new Promise((resolve) => a.on('publish', (m) => resolve(m)));
      b.publishMessage({ topic: 'far/t', payload: new TextEncoder().encode('hi'), qos: 1, retain: false });
      const m = await arrived;
      console.log(m.topic + ' ' + new TextDecoder().decode(m.payload) + ' ' + bridge.state);
      await bridge.stop();
      await a.close();
      await b.close();`;
    expect(install.import(bridgeTwo)).toBe('near/t hi connected');
  }, 180_000);
});
