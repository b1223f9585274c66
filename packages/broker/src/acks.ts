import { PacketType } from '@mq/codec';

/**
 * The 4-byte form of PUBACK, PUBREC, PUBREL and PUBCOMP (reason Success, no properties: valid in every
 * protocol version, the reason code may be omitted in v5 [MQTT-3.4.2.1]), packet id 0 to be patched in
 * by Connection.writeAck. Shared and never written to.
 */
export const ACK_TEMPLATES = {
  puback: Uint8Array.of(PacketType.PUBACK << 4, 2, 0, 0),
  pubrec: Uint8Array.of(PacketType.PUBREC << 4, 2, 0, 0),
  // PUBREL has fixed header flags 0b0010 [MQTT-3.6.1-1].
  pubrel: Uint8Array.of((PacketType.PUBREL << 4) | 0x02, 2, 0, 0),
  pubcomp: Uint8Array.of(PacketType.PUBCOMP << 4, 2, 0, 0),
} as const;
