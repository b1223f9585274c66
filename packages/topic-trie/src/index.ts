/**
 * @mq/topic-trie: MQTT topic name and filter validation, subscription matching with shared groups,
 * and retained-message lookup. No I/O and no Node-only API.
 */
export {
  type TopicErrorCode,
  TopicErrorCodes,
  type TopicKind,
  TopicReasonCode,
  TopicValidationError,
} from './errors.js';
export { DEFAULT_LIMITS, MAX_TOPIC_BYTES, type TopicLimits } from './limits.js';
export {
  type MergedMatches,
  type Merger,
  type MqttDelivery,
  type MqttSubscriptionValue,
  mqttMerger,
} from './merge.js';
export { RetainedIndex, type RetainedIndexOptions, type RetainedVisitor } from './retained-index.js';
export {
  randomStrategy,
  roundRobin,
  type ShareGroupView,
  type ShareStrategy,
  type ShareStrategyName,
  sticky,
} from './share-strategy.js';
export { parseSharedFilter, SHARE_PREFIX, type SharedFilter } from './shared-filter.js';
export type { MatchVisitor, Subscription } from './subscription.js';
export { SubscriptionIndex, type SubscriptionIndexOptions } from './subscription-index.js';
export { isValidTopicFilter, isValidTopicName, validateTopicFilter, validateTopicName } from './validate.js';
