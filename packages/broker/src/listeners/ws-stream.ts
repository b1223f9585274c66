import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * A websocket as a byte stream. Binary frames are pushed as they come, so MQTT packets split across
 * frames or packed several to a frame are reassembled by the decoder [MQTT-6.0.0-2]; a text frame
 * closes the connection [MQTT-6.0.0-1]. Reads pause the socket when the consumer is behind.
 */
export class WebSocketStream extends Duplex {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    super({ allowHalfOpen: false });
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ws.close(1003, 'MQTT needs binary frames');
        this.destroy();
        return;
      }
      const chunks = Array.isArray(data) ? data : [data instanceof ArrayBuffer ? Buffer.from(data) : data];
      for (const chunk of chunks) if (!this.push(chunk)) ws.pause();
    });
    ws.on('close', () => {
      this.push(null);
      this.destroy();
    });
    ws.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.#ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState !== this.#ws.OPEN) {
      callback();
      return;
    }
    this.#ws.send(chunk, { binary: true }, (err) => callback(err ?? null));
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    // Corked writes leave as one frame: fewer frames, same bytes.
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState !== this.#ws.CLOSED) this.#ws.terminate();
    callback(error);
  }
}
