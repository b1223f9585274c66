import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { announce, exitOnSignal } from './announce.mjs';

/** Aedes with all defaults (in-memory persistence, concurrency 100) on a plain TCP server: the reference setup. */
const aedes = await Aedes.createBroker();
const server = createServer(aedes.handle);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') announce(address.port);
});
exitOnSignal(
  () =>
    new Promise((resolve) => {
      server.close();
      aedes.close(() => resolve());
    }),
);
