import type { Socket } from "bun";

/** Output a peer has not taken yet, past which the connection is dropped: a client that never reads must not grow mcpd. */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/**
 * Writes to one socket in order. Bun's write is non-blocking and may take part of the
 * bytes; the rest waits here for `drain`. Bytes written before the socket opens wait too.
 */
export class Outbox {
  private queue: Buffer[] = [];
  private queued = 0;
  private sock: Socket<unknown> | null = null;
  /** end the socket once the queue is empty */
  private ending = false;

  /** false once the peer is too far behind (the caller drops the connection) */
  send(data: Buffer): boolean {
    if (this.sock && this.queue.length === 0) {
      const n = this.sock.write(data);
      if (n >= data.byteLength || n < 0) return true;
      data = data.subarray(n);
    }
    this.queue.push(data);
    this.queued += data.byteLength;
    return this.queued <= MAX_QUEUED_BYTES;
  }

  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** The socket is open (or writable again): write what waited. */
  attach(sock: Socket<unknown>): void {
    this.sock = sock;
    while (this.queue.length) {
      const head = this.queue[0]!;
      const n = sock.write(head);
      if (n < 0) return;
      if (n < head.byteLength) {
        this.queue[0] = head.subarray(n);
        this.queued -= n;
        return;
      }
      this.queue.shift();
      this.queued -= head.byteLength;
    }
    if (this.ending) sock.end();
  }

  /** Ends the socket after everything queued is written. */
  end(): void {
    this.ending = true;
    if (this.sock && this.queue.length === 0) this.sock.end();
  }
}
