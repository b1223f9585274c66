/** One valid packet of every type for a protocol version, as the decoder returns it. */
import type { Packet, ProtocolVersion } from '../src/index.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);

export function samplePackets(version: ProtocolVersion): Packet[] {
  const v5 = version === 5;
  const ack = v5 ? { reasonCode: 0 } : {};
  const packets: Packet[] = [
    {
      type: 'connect',
      protocolVersion: version,
      protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
      clientId: 'client-1',
      cleanStart: false,
      keepAlive: 30,
      username: 'user',
      password: bytes(1, 2, 3),
      will: {
        topic: 'will/topic',
        payload: bytes(9),
        qos: 1,
        retain: true,
        ...(v5 ? { properties: { willDelayInterval: 10, contentType: 'text/plain' } } : {}),
      },
      ...(v5 ? { properties: { sessionExpiryInterval: 60, requestProblemInformation: false } } : {}),
    },
    {
      type: 'connack',
      sessionPresent: true,
      reasonCode: 0,
      ...(v5
        ? { properties: { maximumQoS: 1, wildcardSubscriptionAvailable: true, serverKeepAlive: 20 } }
        : {}),
    },
    {
      type: 'publish',
      topic: 'sensors/room-1/temp',
      payload: bytes(0x32, 0x31),
      qos: 2,
      retain: true,
      dup: true,
      packetId: 65535,
      ...(v5
        ? { properties: { messageExpiryInterval: 5, userProperties: [['x', 'y']] as [string, string][] } }
        : {}),
    },
    { type: 'publish', topic: 't', payload: bytes(), qos: 0, retain: false, dup: false },
    { type: 'puback', packetId: 1, ...ack },
    { type: 'pubrec', packetId: 2, ...ack },
    { type: 'pubrel', packetId: 3, ...ack },
    { type: 'pubcomp', packetId: 4, ...ack },
    {
      type: 'subscribe',
      packetId: 5,
      subscriptions: v5
        ? [
            { topicFilter: 'a/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
            {
              topicFilter: '$share/g/b/+',
              qos: 2,
              noLocal: false,
              retainAsPublished: true,
              retainHandling: 1,
            },
          ]
        : [
            { topicFilter: 'a/#', qos: 1 },
            { topicFilter: '+/b', qos: 2 },
          ],
    },
    { type: 'suback', packetId: 5, reasonCodes: [1, 2, 0x80] },
    { type: 'unsubscribe', packetId: 6, topicFilters: ['a/#', 'c'] },
    { type: 'unsuback', packetId: 6, reasonCodes: v5 ? [0, 0x11] : [] },
    { type: 'pingreq' },
    { type: 'pingresp' },
    v5
      ? { type: 'disconnect', reasonCode: 0x8b, properties: { reasonString: 'bye' } }
      : { type: 'disconnect' },
  ];
  if (v5) packets.push({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'm' } });
  return packets;
}
