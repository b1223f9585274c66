export * from './constants.js';
export { type DecodePacketOptions, decodePacket, type Side } from './decode-packet.js';
export { PacketDecoder, type PacketDecoderOptions } from './decoder.js';
export { encodeBatch, encodedLength, encodeInto, encodePacket } from './encoder.js';
export {
  MqttProtocolError,
  type MqttProtocolErrorOptions,
  ProtocolErrorCode,
  type ProtocolErrorCodeName,
} from './errors.js';
export type * from './packets.js';
export {
  isSharedSubscription,
  isValidTopicFilter,
  isValidTopicName,
  topicFilterProblem,
  topicNameProblem,
} from './topic.js';
export { isWellFormedUtf8 } from './utf8.js';
