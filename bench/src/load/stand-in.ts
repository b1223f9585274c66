import net from 'node:net';

/** CONNACK, accepted, no session present. */
const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/**
 * The least server that completes an MQTT handshake: CONNACK for every CONNECT, close on DISCONNECT (or
 * when the client goes). The generator warms up against it without warming the broker under test.
 */
export async function startStandIn(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      // A CONNECT starts with 0x10, a DISCONNECT with 0xE0; an idle client sends nothing else.
      if (chunk[0] === 0x10) socket.write(CONNACK);
      else if (chunk[0] === 0xe0) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
