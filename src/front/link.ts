import type { Socket, SocketHandler } from "bun";
import { Outbox } from "./outbox.ts";

export interface LinkOwner {
  linkData(link: Link, data: Buffer): void;
  /** everything sent on the link is written: the owner may read its client again */
  linkDrained(link: Link): void;
  /** closed by the other side, or broken */
  linkClosed(link: Link): void;
  /** nothing listens on the port: nothing was sent */
  linkRefused(link: Link): void;
}

/**
 * One keep-alive connection from the front to a port on 127.0.0.1: a service, or the
 * proxy's own Bun server. Each client connection has at most one of each, so answers
 * come back in the order requests went out with no matching to do.
 */
export class Link {
  readonly out = new Outbox();
  private sock: Socket<Link> | null = null;
  closed = false;

  constructor(
    readonly owner: LinkOwner,
    readonly port: number,
  ) {
    Bun.connect<Link>({ hostname: "127.0.0.1", port, data: this, socket: HANDLERS }).catch(() => {});
  }

  send(bytes: Buffer): boolean {
    return !this.closed && this.out.send(bytes);
  }

  /** Closes after `seconds` (Bun counts in 4 s steps) with nothing in flight; 0 = never. A Bun service drops idle connections itself after 10 s. */
  idleFor(seconds: number): void {
    this.sock?.timeout(seconds);
  }

  /** Stops reading what the other side sends (the client is not taking it); resume() goes on. */
  pause(): void {
    this.sock?.pause();
  }

  resume(): void {
    this.sock?.resume();
  }

  /** Closes without telling the owner; `abort` resets it (the service stops working on the request). */
  close(abort: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (abort) this.sock?.terminate();
    else this.sock?.end();
  }

  static opened(link: Link, sock: Socket<Link>): void {
    if (link.closed) return void sock.terminate();
    link.sock = sock;
    link.out.attach(sock as Socket<unknown>);
    // What waited for the connection is written: the owner may read its client again.
    if (link.out.empty) link.owner.linkDrained(link);
  }
}

const HANDLERS: SocketHandler<Link> = {
  open: (s) => Link.opened(s.data, s),
  data(s, d) {
    if (!s.data.closed) s.data.owner.linkData(s.data, d);
  },
  drain(s) {
    s.data.out.attach(s as Socket<unknown>);
    if (s.data.out.empty && !s.data.closed) s.data.owner.linkDrained(s.data);
  },
  // Armed only while idle (idleFor).
  timeout: (s) => void s.end(),
  close(s) {
    const link = s.data;
    if (link.closed) return;
    link.closed = true;
    link.owner.linkClosed(link);
  },
  connectError(s) {
    const link = s.data;
    if (link.closed) return;
    link.closed = true;
    link.owner.linkRefused(link);
  },
  error() {},
};
