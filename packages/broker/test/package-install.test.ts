import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefact: the broker's tarball with its @mq dependencies installed into an empty
// folder, started through require() and import, and answering a raw MQTT 3.1.1 CONNECT with CONNACK.
describe('@mq/broker as installed from its tarball', () => {
  let install: PackedInstall;
  afterAll(() => install?.dispose());

  it('starts and accepts a CONNECT through require() and import', () => {
    install = installPackedPackages(['packages/codec', 'packages/topic-trie', 'packages/broker']);
    const probe = `
      const net = require('node:net');
      const broker = m.createBroker({ listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }] });
      const [address] = await broker.listen();
      const reply = await new Promise((resolve, reject) => {
        const socket = net.connect(address.port, '127.0.0.1', () =>
          socket.write(Buffer.from('100d00044d5154540402003c000170', 'hex')));
        socket.once('data', (data) => { resolve(data.toString('hex')); socket.destroy(); });
        socket.once('error', reject);
      });
      console.log(reply);
      await broker.close();`;
    expect(install.require(`const m = require('@mq/broker'); (async () => { ${probe} })();`)).toBe(
      '20020000',
    );
    expect(
      install.import(
        `import * as m from '@mq/broker'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${probe}`,
      ),
    ).toBe('20020000');
  }, 120_000);
});
