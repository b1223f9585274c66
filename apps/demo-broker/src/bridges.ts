import { type Bridge, createBridge } from '@mq/bridge';
import type { Broker } from '@mq/broker';
import { redactUrl } from './cluster.js';
import type { BridgeConfig } from './config-schema.js';
import { StartupError } from './errors.js';
import type { Logger } from './logger.js';

/** Well inside the 5 s shutdown grace period, so the broker still closes after the bridges gave up. */
export const BRIDGE_STOP_TIMEOUT_MS = 3000;

/** Creates every configured bridge; a mapping createBridge refuses names its place in the config. */
export function createBridges(broker: Broker, configs: readonly BridgeConfig[], logger: Logger): Bridge[] {
  return configs.map((config, index) => {
    let bridge: Bridge;
    try {
      bridge = createBridge(broker, { ...config, stopTimeout: BRIDGE_STOP_TIMEOUT_MS });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StartupError('ERR_CONFIG', `bridges[${index}].${detail}`, { cause: error });
    }
    const log = logger.child({ bridge: config.clientId, remote: redactUrl(config.url) });
    bridge.on('connected', ({ sessionPresent }) => log.info({ sessionPresent }, 'bridge connected'));
    bridge.on('disconnected', (error) => log.warn({ err: error }, 'bridge disconnected'));
    bridge.on('error', (error) =>
      log.warn({ code: error.code, mappingIndex: error.mappingIndex }, `bridge: ${error.message}`),
    );
    return bridge;
  });
}

/**
 * Starts the bridges without waiting for their remotes: a remote that is down must not keep the broker
 * from serving, and the bridge queues and reconnects on its own.
 */
export function startBridges(bridges: readonly Bridge[], logger: Logger): void {
  for (const bridge of bridges) {
    bridge.start().catch((error: unknown) => {
      logger.warn({ err: error, bridge: bridge.options.clientId }, 'bridge did not start');
    });
  }
}

/** Stops every bridge (each waits for its queued messages, then DISCONNECT) before the broker closes. */
export async function stopBridges(bridges: readonly Bridge[]): Promise<void> {
  await Promise.all(bridges.map((bridge) => bridge.stop()));
}
