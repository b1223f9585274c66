import { ReasonCode } from '@mq/codec';

/**
 * A connection-fatal problem found while handling a packet. The handler that finds it picks the reason
 * code; the connection answers with a v5 DISCONNECT carrying it (3.1.1: just closes).
 */
export class BrokerProtocolError extends Error {
  override readonly name = 'BrokerProtocolError';
  readonly reasonCode: number;
  readonly code: string;

  constructor(code: string, reasonCode: number, message: string) {
    super(message);
    this.code = code;
    this.reasonCode = reasonCode;
  }
}

export const protocolViolation = (message: string): BrokerProtocolError =>
  new BrokerProtocolError('PROTOCOL_ERROR', ReasonCode.ProtocolError, message);
