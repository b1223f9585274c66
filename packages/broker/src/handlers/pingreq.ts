import type { Connection } from '../connection.js';

/** PINGREQ is answered with PINGRESP [MQTT-3.12.4-1]; the keep alive timer was touched on receipt. */
export function handlePingreq(conn: Connection): void {
  conn.send({ type: 'pingresp' });
}
