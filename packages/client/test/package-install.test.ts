import { createBroker } from '@mq/broker';
import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';

// Proves the published artefact: the client's tarball (with the codec's, its only @mq dependency)
// installed into an empty folder, then used through require() and import against a live broker.
describe('@mq/client as installed from its tarball', () => {
  let install: PackedInstall;
  const broker = createBroker({ listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }] });
  afterAll(async () => {
    install?.dispose();
    await broker.close();
  });

  it('connects, publishes QoS 1 and receives it, through require() and import', async () => {
    const [address] = await broker.listen();
    install = installPackedPackages(['packages/codec', 'packages/client']);
    const roundTrip = (clientId: string) => `
      const client = await m.connect('mqtt://127.0.0.1:${address!.port}', { clientId: '${clientId}', protocolVersion: 5 });
      await client.subscribe('pack/check');
      const received = new Promise((resolve) => client.on('message', (msg) => resolve(new TextDecoder().decode(msg.payload))));
      await client.publish('pack/check', 'ok', { qos: 1 });
      console.log(await received);
      await client.end();`;
    const cjs = `const m = require('@mq/client'); (async () => { ${roundTrip('cjs')} })();`;
    expect(await install.run('commonjs', cjs)).toBe('ok');
    expect(await install.run('module', `import * as m from '@mq/client'; ${roundTrip('esm')}`)).toBe('ok');
  }, 120_000);
});
