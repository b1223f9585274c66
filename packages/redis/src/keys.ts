/** Default key prefix: every key either backend writes starts with it. */
export const DEFAULT_PREFIX = 'mq:';

/** Every Redis key and channel name in one place, under a configurable prefix. */
export function redisKeys(prefix: string) {
  return {
    /** Hash clientId -> session JSON (without subscriptions). */
    sessions: `${prefix}sessions`,
    /** Hash topicFilter -> subscription JSON. */
    subscriptions: (clientId: string) => `${prefix}session:${clientId}:subs`,
    /** Hash seq -> binary outgoing record. */
    outgoing: (clientId: string) => `${prefix}session:${clientId}:out`,
    /** Set of inbound QoS 2 packet ids. */
    incomingQos2: (clientId: string) => `${prefix}session:${clientId}:qos2`,
    /** Hash clientId -> id of the node that holds the session in memory. */
    owners: `${prefix}owners`,
    /** String with a TTL per live node (heartbeat). */
    nodePrefix: `${prefix}node:`,
    node: (nodeId: string) => `${prefix}node:${nodeId}`,
    /** Hash topic -> binary retained message. */
    retained: `${prefix}retained`,
    /** Counter of retained changes and a capped stream of them, for the per-node topic caches. */
    retainedVersion: `${prefix}retained:version`,
    retainedLog: `${prefix}retained:log`,
    /** Hash clientId -> binary will record. */
    wills: `${prefix}wills`,
    /** Pub/sub channel of routed messages. */
    busChannel: `${prefix}bus:messages`,
    /** Pub/sub channel of session claims and hand-offs. */
    claimChannel: `${prefix}bus:claims`,
    /** Set of `<nodeId>\0<$share filter>`: the nodes with members of each shared group. */
    shares: `${prefix}shares`,
    /** Pub/sub channel of shared group membership changes. */
    shareChannel: `${prefix}bus:shares`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
