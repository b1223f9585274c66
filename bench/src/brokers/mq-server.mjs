import { announce, exitOnSignal } from './announce.mjs';

// Imported by name at run time: the built package (what users run), or its sources when the parent
// started this script with tsx and --conditions=source because nothing is built.
const module_ = await import('@mq/broker');
if (typeof module_.createBroker !== 'function') {
  process.stderr.write('@mq/broker does not export createBroker (not built yet?)\n');
  process.exit(2);
}

// The broker runs with its defaults; MQ_LIMITS (JSON) overrides limits for experiments.
const limits = process.env.MQ_LIMITS ? JSON.parse(process.env.MQ_LIMITS) : undefined;
// MQ_TCP_ENGINE=net runs the TCP listener on node:net sockets instead of the default engine, for an A/B.
const engine = process.env.MQ_TCP_ENGINE;
const broker = module_.createBroker({
  listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0, ...(engine ? { engine } : {}) }],
  ...(limits ? { limits } : {}),
});
await broker.listen();
announce(findPort(broker.addresses()));
exitOnSignal(async () => {
  // What the broker itself dropped or held back, for the run's record (broker-process.ts reads it).
  const { qos0Dropped, queueDropped, oversizeDropped, expiredDropped, publisherHolds } = broker.stats;
  const stats = { qos0Dropped, queueDropped, oversizeDropped, expiredDropped, publisherHolds };
  process.stdout.write(`${JSON.stringify({ stats })}\n`);
  await broker.close();
});

/** Accepts the shapes addresses() might reasonably return: an array of {port} or of AddressInfo-like objects. */
function findPort(addresses) {
  const list = Array.isArray(addresses) ? addresses : [addresses];
  for (const entry of list) {
    if (entry && typeof entry === 'object') {
      if (typeof entry.port === 'number' && entry.port > 0) return entry.port;
      const port = entry.address?.port;
      if (typeof port === 'number' && port > 0) return port;
    }
  }
  throw new Error(`cannot find a port in broker.addresses(): ${JSON.stringify(addresses)}`);
}
