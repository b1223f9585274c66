import type { BrokerOptions } from '@mq/broker';
import type { Config } from './config-schema.js';
import type { Logger } from './logger.js';

/** The one place where the app's config vocabulary meets @mq/broker's options. */
export function toBrokerOptions(config: Config, logger: Logger, version: string): BrokerOptions {
  const { mqtt, ws } = config.listeners;
  const listeners: NonNullable<BrokerOptions['listeners']> = [
    { type: 'tcp', host: mqtt.host, port: mqtt.port },
  ];
  if (ws.port !== 0) listeners.push({ type: 'ws', host: ws.host, port: ws.port, path: ws.path });
  return {
    listeners,
    limits: {
      ...config.limits,
      maxQueuedMessages: config.queue.maxMessages,
      queuePolicy: config.queue.policy,
      maxInflight: config.queue.maxInflight,
    },
    sessionExpiryMaxSeconds: config.session.expiryMaxSeconds,
    sys: { enabled: config.sys.enabled, intervalMs: config.sys.intervalMs },
    version: `mq-broker ${version}`,
    // The library's own info lines repeat what the app announces; they show from --log-level debug.
    logger: logger.child({ component: 'broker' }, { level: logger.level === 'info' ? 'warn' : logger.level }),
  };
}
