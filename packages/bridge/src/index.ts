/**
 * @mq/bridge: connects an @mq/broker to another MQTT broker the way Mosquitto's bridges do, with
 * topic mappings in, out or both and a persistent remote session so nothing is lost across reconnects.
 */
export {
  Bridge,
  type BridgeEvents,
  type BridgeState,
  type BridgeStats,
  createBridge,
  type SubscribedMapping,
} from './bridge.js';
export {
  BridgeConfigError,
  BridgeError,
  BridgeErrorCode,
  type BridgeErrorOptions,
} from './errors.js';
export type { Direction, QoS, TopicMapping } from './mapping.js';
export type { NotificationOptions } from './notifications.js';
export { BRIDGE_DEFAULTS, type BridgeOptions } from './options.js';
