/** Stable codes of every error @mq/bridge reports. */
export const BridgeErrorCode = {
  /** `createBridge` options are wrong (a TypeError/RangeError names the option). */
  InvalidOption: 'INVALID_OPTION',
  /** A topic mapping is wrong; `mappingIndex` says which one. */
  InvalidMapping: 'INVALID_MAPPING',
  /** The remote refused an `in` subscription (SUBACK reason code in `reasonCode`). */
  SubscribeRefused: 'SUBSCRIBE_REFUSED',
  /** A local message could not be forwarded to the remote (queue full, refused, too large). */
  ForwardFailed: 'FORWARD_FAILED',
  /** A remote message could not be injected into the local broker. */
  InjectFailed: 'INJECT_FAILED',
  /** The remote connection reported a problem (failed reconnect, store error, ...). */
  RemoteError: 'REMOTE_ERROR',
  /** The bridge was stopped before the operation completed. */
  Stopped: 'BRIDGE_STOPPED',
} as const;
export type BridgeErrorCode = (typeof BridgeErrorCode)[keyof typeof BridgeErrorCode];

export interface BridgeErrorOptions {
  mappingIndex?: number;
  reasonCode?: number;
  topic?: string;
  cause?: unknown;
}

/** A runtime problem of a running bridge (reported through the 'error' event or a rejected promise). */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: BridgeErrorCode;
  /** Index in `options.topics` of the mapping concerned, when there is one. */
  readonly mappingIndex: number | undefined;
  /** MQTT reason code the remote sent, when it sent one. */
  readonly reasonCode: number | undefined;
  /** Topic of the message concerned, when there is one. */
  readonly topic: string | undefined;

  constructor(code: BridgeErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.mappingIndex = options.mappingIndex;
    this.reasonCode = options.reasonCode;
    this.topic = options.topic;
  }
}

/** A bad argument to `createBridge`: thrown at once, never emitted. */
export class BridgeConfigError extends TypeError {
  override readonly name = 'BridgeConfigError';
  readonly code: typeof BridgeErrorCode.InvalidOption | typeof BridgeErrorCode.InvalidMapping;
  readonly mappingIndex: number | undefined;

  constructor(message: string, mappingIndex?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = mappingIndex === undefined ? BridgeErrorCode.InvalidOption : BridgeErrorCode.InvalidMapping;
    this.mappingIndex = mappingIndex;
  }
}
