/** Counters the broker keeps for $SYS and for callers (broker.stats). */
export interface BrokerStats {
  startedAt: number;
  clientsConnected: number;
  clientsMaximum: number;
  messagesReceived: number;
  messagesSent: number;
  publishReceived: number;
  publishSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** QoS 0 deliveries dropped because the subscriber's socket was backed up or it was offline. */
  qos0Dropped: number;
  /** QoS 1/2 messages dropped because a session queue was full. */
  queueDropped: number;
  /** Messages not sent because they exceeded the client's Maximum Packet Size. */
  oversizeDropped: number;
  /** Messages discarded because their Message Expiry Interval passed before delivery. */
  expiredDropped: number;
  /**
   * Times the broker stopped reading a publisher for a subscriber's full queue or backed-up socket
   * (queuePolicy 'backpressure'); it reads again once that subscriber drains.
   */
  publisherHolds: number;
}

export function createStats(): BrokerStats {
  return {
    startedAt: Date.now(),
    clientsConnected: 0,
    clientsMaximum: 0,
    messagesReceived: 0,
    messagesSent: 0,
    publishReceived: 0,
    publishSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    qos0Dropped: 0,
    queueDropped: 0,
    oversizeDropped: 0,
    expiredDropped: 0,
    publisherHolds: 0,
  };
}
