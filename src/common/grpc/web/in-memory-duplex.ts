import { Duplex } from 'node:stream';

/**
 * Two connected in-memory stream ends (what Node 22's `stream.duplexPair()` gives): bytes written to
 * one are read from the other. The gRPC-Web gateway speaks HTTP/2 to grpc-js over such a pair, so
 * no port is opened and nothing outside the process can reach that side door.
 */
export function inMemoryDuplexPair(): [Duplex, Duplex] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class End extends Duplex {
  peer!: End;

  override _read(): void {
    // Data is pushed by the peer's writes.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.peer.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }
}
