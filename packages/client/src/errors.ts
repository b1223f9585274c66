/** Stable error codes of @mq/client; `reasonCode` carries the MQTT reason code when the peer sent one. */
export const ClientErrorCode = {
  /** The server refused the CONNECT (CONNACK reason/return code in `reasonCode`). */
  ConnectionRefused: 'CONNECTION_REFUSED',
  /** The transport could not be opened or CONNACK did not arrive in time. */
  ConnectFailed: 'CONNECT_FAILED',
  ConnectTimeout: 'CONNECT_TIMEOUT',
  /** The connection was lost (socket closed, keepalive timeout, protocol error). */
  ConnectionLost: 'CONNECTION_LOST',
  /** The server sent DISCONNECT (reason in `reasonCode`). */
  ServerDisconnect: 'SERVER_DISCONNECT',
  KeepaliveTimeout: 'KEEPALIVE_TIMEOUT',
  /** The peer sent bytes that violate the protocol. */
  ProtocolError: 'PROTOCOL_ERROR',
  /** A PUBACK/PUBREC/PUBCOMP carried a failure reason code. */
  PublishFailed: 'PUBLISH_FAILED',
  /** A SUBACK/UNSUBACK rejected every filter of the request. */
  SubscribeFailed: 'SUBSCRIBE_FAILED',
  /** The offline/pending queue is at `maxQueued`. */
  QueueFull: 'QUEUE_FULL',
  /** The message is larger than the server's Maximum Packet Size. */
  PacketTooLarge: 'PACKET_TOO_LARGE',
  /** The client was ended (or ended without waiting) before the operation completed. */
  ClientClosed: 'CLIENT_CLOSED',
  /** The operation needs a connection and the client is not connected (e.g. subscribe while offline). */
  NotConnected: 'NOT_CONNECTED',
  /** The message store failed to persist or load. */
  StoreError: 'STORE_ERROR',
  /** The AUTH exchange failed or no `onAuth` handler was given. */
  AuthFailed: 'AUTH_FAILED',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface MqttClientErrorOptions {
  reasonCode?: number;
  reasonString?: string;
  cause?: unknown;
}

/** Every failure the client reports (promise rejections and 'error' events) is one of these. */
export class MqttClientError extends Error {
  override readonly name = 'MqttClientError';
  readonly code: ClientErrorCode;
  /** MQTT reason code (v5) or CONNACK return code (v3/v4) when the server gave one. */
  readonly reasonCode: number | undefined;
  /** MQTT 5 Reason String property when the server sent one. */
  readonly reasonString: string | undefined;

  constructor(code: ClientErrorCode, message: string, options: MqttClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reasonCode = options.reasonCode;
    this.reasonString = options.reasonString;
  }
}

export function isMqttClientError(error: unknown): error is MqttClientError {
  return error instanceof MqttClientError;
}
