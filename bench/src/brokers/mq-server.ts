import { announce, exitOnSignal } from './announce.js';

/** The part of @mq/broker's API the benchmark uses. */
interface BenchBroker {
  listen(): Promise<unknown>;
  addresses(): unknown;
  close(): Promise<unknown>;
}
type CreateBroker = (options: {
  listeners: Array<{ type: 'tcp'; host: string; port: number; engine?: string }>;
}) => BenchBroker;

// The specifier is a variable so that type-checking the benchmark does not pull
// the broker's sources into this program; the runtime contract is checked below.
const specifier = '@mq/broker';
const module_ = (await import(specifier)) as { createBroker?: CreateBroker };
if (typeof module_.createBroker !== 'function') {
  process.stderr.write('@mq/broker does not export createBroker (not built yet?)\n');
  process.exit(2);
}

// The broker runs with its defaults; MQ_LIMITS (JSON) overrides limits for experiments.
const limits = process.env.MQ_LIMITS
  ? (JSON.parse(process.env.MQ_LIMITS) as Record<string, unknown>)
  : undefined;
// MQ_TCP_ENGINE=net runs the TCP listener on node:net sockets instead of the default engine, for an A/B.
const engine = process.env.MQ_TCP_ENGINE;
const broker = module_.createBroker({
  listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0, ...(engine ? { engine } : {}) }],
  ...(limits ? { limits } : {}),
});
await broker.listen();
announce(findPort(broker.addresses()));
exitOnSignal(async () => {
  await broker.close();
});

/** Accepts the shapes addresses() might reasonably return: an array of {port} or of AddressInfo-like objects. */
function findPort(addresses: unknown): number {
  const list = Array.isArray(addresses) ? addresses : [addresses];
  for (const entry of list) {
    if (entry && typeof entry === 'object') {
      const record = entry as Record<string, unknown>;
      if (typeof record.port === 'number' && record.port > 0) return record.port;
      const address = record.address;
      if (address && typeof address === 'object') {
        const port = (address as Record<string, unknown>).port;
        if (typeof port === 'number' && port > 0) return port;
      }
    }
  }
  throw new Error(`cannot find a port in broker.addresses(): ${JSON.stringify(addresses)}`);
}
