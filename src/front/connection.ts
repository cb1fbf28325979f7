import type { Socket } from "bun";
import { EventBoundary, KEEPALIVE } from "../proxy/sse.ts";
import { BodyFrame } from "./frame.ts";
import { bodiless, field, parseHead, wholeResponse, type Head } from "./http1.ts";
import type { Exchange, Lane, ProxyAnswer } from "./lane.ts";
import { Link, type LinkOwner } from "./link.ts";
import { MAX_QUEUED_BYTES, Outbox } from "./outbox.ts";

export interface FrontConfig {
  lane: Lane;
  /** the proxy's Bun server on 127.0.0.1: every request the lane does not take goes there */
  fallbackPort: number;
  /** a client connection with nothing in flight closes after this */
  idleTimeoutSec: number;
  /** a request must be in whole (head and held body) this long after its first byte (default 30 s) */
  requestDeadlineMs?: number;
}

/** However it trickles in, a request must be whole within this (each byte restarts the idle timer, so that alone never ends it). */
export const REQUEST_DEADLINE_MS = 30_000;
/**
 * What a connection reads ahead while a request of its is in flight: a client pipelining
 * more than this waits in its own socket (TCP backpressure), not in mcpd's memory.
 */
export const READ_AHEAD_BYTES = 64 * 1024;

/** Bodies up to this are held whole so the lane can read them; larger ones stream to the Bun server. */
const HELD_BODY_MAX = 1024 * 1024;
/** Under the 10 s after which a Bun service drops an idle connection: mcpd closes first, so it never writes into a closing one. */
const SERVICE_IDLE_SEC = 4;
const KEEPALIVE_CHUNK = Buffer.concat([Buffer.from(`${KEEPALIVE.byteLength.toString(16)}\r\n`), KEEPALIVE, Buffer.from("\r\n")]);
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** One chunk of the front's own. */
function asChunk(bytes: Buffer): Buffer {
  const size = `${bytes.byteLength.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + bytes.byteLength + 2);
  out.write(size, 0, "latin1");
  out.set(bytes, size.length);
  out.write("\r\n", size.length + bytes.byteLength, "latin1");
  return out;
}
/** Head lines less content-length and transfer-encoding: the front frames the body itself. */
const unframed = (lines: string) => lines.replace(/^(?:content-length|transfer-encoding):[^\r]*\r\n/gim, "");

/** A head (latin1, as HTTP heads are) and the bytes after it, in one buffer: one write, one allocation. */
function withHead(head: string, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(head.length + body.byteLength);
  out.write(head, 0, "latin1");
  out.set(body, head.length);
  return out;
}

/** A request the lane took, on its way to the service and back. */
interface Fast {
  ex: Exchange;
  /** the client's bytes, for the Bun server when the service turns out not to be listening */
  raw: Buffer;
  method: string;
  res: Head | null;
  pending: Buffer | null;
  frame: BodyFrame | null;
  boundary: EventBoundary | null;
  heard: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  keepalive: ReturnType<typeof setInterval> | null;
  /** the exchange's body transform, once the answer is sent in chunks of the front's own (it may change length) */
  rechunk: boolean;
}

/** A request passed whole to the Bun server; its answer is only framed, not read. */
interface Slow {
  method: string;
  /** request body bytes still to pass on as they arrive */
  bodyLeft: number;
  /** a chunked request body's framing, followed to find where the next request begins */
  body: BodyFrame | null;
  res: Head | null;
  pending: Buffer | null;
  frame: BodyFrame | null;
}

/**
 * One client connection. Requests are taken one at a time (a pipelined one waits its
 * turn); each goes either the lane's way (straight to the service, rewritten here) or
 * byte for byte to the proxy's Bun server. A connection whose bytes the front will not
 * frame (see http1.ts) is handed to the Bun server for good.
 */
export class ClientConnection implements LinkOwner {
  private readonly out = new Outbox();
  private input: Buffer | null = null;
  private mode: "idle" | "fast" | "slow" | "pipe" | "closed" = "idle";
  private fast: Fast | null = null;
  private slow: Slow | null = null;
  private service: Link | null = null;
  private fallback: Link | null = null;
  /** the client asked for Connection: close, or mcpd is stopping */
  private closeAfter = false;
  /** the socket has closed */
  private gone = false;
  /** why reading from the client is paused: the next hop (service or Bun server) is not taking a body, or a pipelining client is far ahead */
  private readonly stalls = { nextHop: false, readAhead: false };
  /** ends a request that has not arrived whole in time */
  private deadline: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sock: Socket<ClientConnection>,
    private readonly cfg: FrontConfig,
  ) {
    this.out.attach(sock as Socket<unknown>);
    sock.timeout(cfg.idleTimeoutSec);
  }

  /** a request on the lane's way (the Bun server counts its own) */
  get inFlightHere(): boolean {
    return this.mode === "fast";
  }

  // ── client side ──────────────────────────────────────────────────────────────

  onData(d: Buffer): void {
    if (this.mode === "closed") return;
    if (this.mode === "pipe") return void this.sendFallback(d);
    if (this.mode === "slow" && this.slow!.body && !this.slow!.body.done) return this.chunkedBody(d);
    if (this.mode === "slow" && this.slow!.bodyLeft > 0) {
      const n = Math.min(this.slow!.bodyLeft, d.byteLength);
      this.slow!.bodyLeft -= n;
      this.sendFallback(d.subarray(0, n));
      if (n === d.byteLength) return;
      d = d.subarray(n);
    }
    // Bun hands each read its own buffer, so it can be kept as it is.
    this.input = this.input ? Buffer.concat([this.input, d]) : d;
    if (this.input.byteLength > MAX_QUEUED_BYTES) return this.drop();
    if (this.mode === "idle") return this.next();
    if (this.input.byteLength > READ_AHEAD_BYTES) this.stall("readAhead", true);
  }

  /** Reading from the client stops while any stall holds and goes on once none does. */
  private stall(why: keyof ClientConnection["stalls"], on: boolean): void {
    if (this.stalls[why] === on) return;
    this.stalls[why] = on;
    if (on) this.sock.pause();
    else if (!this.stalls.nextHop && !this.stalls.readAhead) this.sock.resume();
  }

  onDrain(): void {
    this.out.attach(this.sock as Socket<unknown>);
    if (this.out.empty) {
      this.service?.resume();
      this.fallback?.resume();
    }
  }

  onClose(): void {
    if (this.gone) return;
    this.gone = true;
    const f = this.fast;
    this.mode = "closed";
    this.clearDeadline();
    if (f) this.endFast(f, { status: f.res ? f.res.status : 499, event: "client-gone", error: false });
    this.service?.close(true);
    this.fallback?.close(true);
  }

  /** mcpd is stopping: idle connections close now, busy ones after their answer. */
  shutdown(): void {
    this.closeAfter = true;
    if (this.mode === "idle") this.finish();
  }

  /** No more requests on this connection: it ends once what is queued for the client is written. */
  private finish(): void {
    this.mode = "closed";
    this.out.end();
  }

  private drop(): void {
    this.sock.terminate();
    this.onClose();
  }

  /**
   * To the client. When it is not taking what it was sent, the front stops reading the
   * service (or the Bun server) until it has, so a client that never reads makes the
   * service wait, not mcpd buffer; the cap only catches what was already read.
   */
  private send(b: Buffer): void {
    if (!this.out.send(b)) return this.drop();
    if (!this.out.empty) {
      this.service?.pause();
      this.fallback?.pause();
    }
  }

  /** Takes the next request from the input, if a whole head (and held body) is there. */
  private next(): void {
    while (this.mode === "idle" && this.input) {
      const head = parseHead(this.input, "request");
      this.armDeadline();
      // A client still sending its request has the idle limit from its last bytes, and the deadline from its first.
      if (head === "incomplete") return this.sock.timeout(this.cfg.idleTimeoutSec);
      if (head === "bare-lf") return this.refuse(400, "request lines must end in CRLF, not a bare LF");
      if (head === "odd" || head.method === "HEAD" || head.method === "CONNECT" || field(head, "expect") !== null || field(head, "upgrade") !== null) {
        return this.toPipe();
      }
      this.closeAfter ||= head.close;
      // A chunked body is framed here too, so the Bun server gets one request at a time:
      // it drops a connection whose next request arrives while a handler is still busy.
      if (head.chunked) return this.startSlow(head, Infinity);
      const length = Math.max(head.contentLength, 0);
      if (length > HELD_BODY_MAX) return this.startSlow(head, head.size + length);
      // The head is read again when the body is in.
      if (this.input.byteLength < head.size + length) return this.sock.timeout(this.cfg.idleTimeoutSec);
      // In flight, the wait is the service's, bounded by its upstreamTimeoutMs (or the Bun server's own limits).
      this.sock.timeout(0);
      this.clearDeadline();
      const raw = this.input.subarray(0, head.size + length);
      this.input = raw.byteLength < this.input.byteLength ? this.input.subarray(raw.byteLength) : null;
      let ex: Exchange | null = null;
      try {
        ex = this.cfg.lane.plan(head, raw.subarray(head.size));
      } catch {
        ex = null;
      }
      if (ex) this.startFast(ex, head.method, raw, raw.subarray(head.size));
      else this.startSlow(head, raw.byteLength, raw);
    }
  }

  /** The exchange is over: the next request, or the idle timer, or the end. */
  private idle(): void {
    if (this.mode === "closed") return;
    if (this.closeAfter) return this.finish();
    this.mode = "idle";
    this.sock.timeout(this.cfg.idleTimeoutSec);
    this.next();
    if (this.mode === "idle" || (this.input?.byteLength ?? 0) <= READ_AHEAD_BYTES) this.stall("readAhead", false);
  }

  private armDeadline(): void {
    this.deadline ??= setTimeout(() => {
      this.deadline = null;
      if (this.mode === "idle") this.refuse(408, "the request did not arrive whole in time");
    }, this.cfg.requestDeadlineMs ?? REQUEST_DEADLINE_MS);
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  // ── the lane's way: straight to the service ─────────────────────────────────

  private startFast(ex: Exchange, method: string, raw: Buffer, body: Buffer): void {
    this.mode = "fast";
    let link = this.service;
    if (!link || link.closed || link.port !== ex.port) {
      link?.close(false);
      link = this.service = new Link(this, ex.port);
    }
    link.idleFor(0);
    const f: Fast = { ex, raw, method, res: null, pending: null, frame: null, boundary: null, heard: false, timer: null, keepalive: null, rechunk: false };
    this.fast = f;
    if (ex.timeoutMs > 0) f.timer = setTimeout(() => this.fastTimedOut(f), ex.timeoutMs);
    link.send(withHead(ex.head, body));
    if (!link.out.empty) this.stall("nextHop", true);
  }

  private fromService(d: Buffer): void {
    const f = this.fast;
    if (!f || this.mode !== "fast") return void this.dropService(true);
    f.heard = true;
    let buf = f.pending ? Buffer.concat([f.pending, d]) : d;
    f.pending = null;
    let head: string | null = null;
    let at = 0;
    while (!f.res) {
      const h = parseHead(buf.subarray(at), "response");
      if (h === "incomplete") {
        f.pending = Buffer.from(buf.subarray(at));
        return;
      }
      if (h === "odd" || h === "bare-lf") return this.fastFailed(f);
      at += h.size;
      if (h.status < 200) continue; // 1xx: informational, nothing for the client
      if (f.timer) clearTimeout(f.timer);
      f.res = h;
      const a = f.ex.answer(h);
      const noBody = bodiless(f.method, h.status);
      f.frame = BodyFrame.of(h, noBody);
      // An answer framed by the service closing its connection ends the client's too.
      if (!noBody && !f.frame.chunked && h.contentLength < 0) this.closeAfter = true;
      head = `${a.head}${this.closeAfter ? "connection: close\r\n" : ""}\r\n`;
      if (a.sse && f.frame.chunked) this.keepAlive(f);
    }
    const frame = f.frame!;
    if (f.ex.transform) return this.fromServiceTransformed(f, buf, at, head);
    const end = frame.feed(buf, at, f.boundary ? (b, s, e) => f.boundary!.feed(b.subarray(s, e)) : undefined);
    if (frame.broken) {
      // Nothing of this answer reached the client yet: it gets the proxy's 502 instead.
      if (head) return this.fastFailed(f);
      return this.fastBroke(f);
    }
    const body = buf.subarray(at, end);
    this.send(head === null ? body : withHead(head, body));
    if (end < buf.byteLength) this.dropService(true); // bytes past the answer: this connection can't be trusted
    if (frame.done) this.fastDone(f);
  }

  /**
   * An answer whose body the exchange transforms. One that is whole in the first read
   * (most JSON answers) goes out whole with its new length; any other goes out in chunks
   * of the front's own, each what the transform let through, so a stream stays a stream.
   */
  private fromServiceTransformed(f: Fast, buf: Buffer, at: number, head: string | null): void {
    const frame = f.frame!;
    const t = f.ex.transform!;
    const pieces: Buffer[] = [];
    const end = frame.feed(buf, at, (b, s, e) => {
      f.boundary?.feed(b.subarray(s, e));
      pieces.push(b.subarray(s, e));
    });
    if (frame.broken) {
      if (head) return this.fastFailed(f);
      return this.fastBroke(f);
    }
    if (end < buf.byteLength) this.dropService(true);
    const payload = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    if (head !== null && frame.done) {
      const before = t.count;
      const a = t.push(payload);
      const rest = t.flush();
      // Nothing to take out (the common answer): the service's bytes go out as they came.
      if (t.count === before && rest.byteLength === 0) this.send(withHead(head, buf.subarray(at, end)));
      else {
        const body = rest.byteLength ? Buffer.concat([a, rest]) : a;
        this.send(withHead(`${unframed(head.slice(0, -2))}content-length: ${body.byteLength}\r\n\r\n`, body));
      }
      return this.fastDone(f);
    }
    if (head !== null) {
      f.rechunk = true;
      // A body the service frames by closing gets a last chunk when it closes (linkClosed).
      this.send(Buffer.from(`${unframed(head.slice(0, -2))}transfer-encoding: chunked\r\n\r\n`, "latin1"));
    }
    const out = t.push(payload);
    const last = frame.done ? t.flush() : null;
    const bytes = last?.byteLength ? Buffer.concat([out, last]) : out;
    if (bytes.byteLength) this.send(asChunk(bytes));
    if (frame.done) {
      this.send(LAST_CHUNK);
      this.fastDone(f);
    }
  }

  private keepAlive(f: Fast): void {
    f.boundary = new EventBoundary();
    f.keepalive = setInterval(() => {
      // Only between chunks and between events, and only when the client has read what it was sent.
      const between = f.rechunk ? !f.ex.transform!.holding : f.frame!.atChunkBoundary;
      if (between && f.boundary!.atBoundary && this.out.empty) this.send(KEEPALIVE_CHUNK);
    }, this.cfg.lane.keepaliveMs);
  }

  private fastDone(f: Fast): void {
    this.endFast(f, { status: f.res!.status, event: null, error: f.res!.status >= 500 });
    if (f.res!.close) this.dropService(false);
    else this.service?.idleFor(SERVICE_IDLE_SEC);
    this.idle();
  }

  /** No answer in time: the proxy's 504, and a fresh connection next time. */
  private fastTimedOut(f: Fast): void {
    if (this.fast !== f || f.res) return;
    this.dropService(true);
    this.answerForService(f, f.ex.failure("timeout"));
  }

  /** The service closed (or garbled) the connection before the client got any of its answer. */
  private fastFailed(f: Fast): void {
    this.dropService(true);
    this.answerForService(f, f.ex.failure("broke-off"));
  }

  private answerForService(f: Fast, a: ProxyAnswer): void {
    this.send(wholeResponse(a.status, a.headers, a.body, this.closeAfter));
    this.endFast(f, { status: a.status, event: null, error: true });
    this.idle();
  }

  /** The service broke off mid-answer: a last event if the client is between events of a stream, else the connection goes. */
  private fastBroke(f: Fast): void {
    this.dropService(true);
    const frame = f.frame!;
    // Garbled framing leaves no boundary to trust: only a clean break gets the last event.
    const between = f.rechunk ? !f.ex.transform!.holding : frame.chunked && frame.atChunkBoundary;
    const last = !frame.broken && between && f.boundary?.atBoundary ? f.ex.breakEvent() : null;
    if (last) {
      this.send(Buffer.concat([Buffer.from(`${last.byteLength.toString(16)}\r\n`), last, Buffer.from("\r\n"), LAST_CHUNK]));
      this.endFast(f, { status: f.res!.status, event: "service-broke-off", error: true });
      return this.idle();
    }
    this.endFast(f, { status: f.res!.status, event: "service-broke-off", error: true });
    this.drop();
  }

  private endFast(f: Fast, o: { status: number; event: string | null; error: boolean }): void {
    if (this.fast !== f) return;
    this.fast = null;
    if (f.timer) clearTimeout(f.timer);
    if (f.keepalive) clearInterval(f.keepalive);
    f.ex.end({ ...o, bytesOut: f.frame?.bytes ?? 0 });
  }

  private dropService(abort: boolean): void {
    this.service?.close(abort);
    this.service = null;
  }

  // ── the Bun server's way ─────────────────────────────────────────────────────

  /**
   * `total` bytes of request (head and body), or Infinity for a chunked body, whose end its
   * framing tells; `held` is what is already in hand, when all of it is.
   */
  private startSlow(head: Head, total: number, held?: Buffer): void {
    this.mode = "slow";
    this.sock.timeout(0);
    this.clearDeadline();
    const s: Slow = { method: head.method, bodyLeft: 0, body: null, res: null, pending: null, frame: null };
    this.slow = s;
    if (held) return void this.sendFallback(held);
    if (total === Infinity) {
      s.body = BodyFrame.of(head, false);
      const input = this.input!;
      this.input = null;
      this.sendFallback(input.subarray(0, head.size));
      return this.chunkedBody(input.subarray(head.size));
    }
    const have = Math.min(this.input!.byteLength, total);
    this.sendFallback(this.input!.subarray(0, have));
    this.input = have < this.input!.byteLength ? this.input!.subarray(have) : null;
    s.bodyLeft = total - have;
  }

  /** Passes on a chunked request body up to its end; what follows is the next request. */
  private chunkedBody(d: Buffer): void {
    const body = this.slow!.body!;
    const end = body.feed(d, 0);
    // Framing the front cannot follow: the Bun server gets the rest as it is, and refuses it.
    if (body.broken) {
      this.mode = "pipe";
      return this.sendFallback(d);
    }
    if (end > 0) this.sendFallback(d.subarray(0, end));
    if (end < d.byteLength) this.input = this.input ? Buffer.concat([this.input, d.subarray(end)]) : d.subarray(end);
  }

  /** The front's own refusal of bytes it cannot read as a request; the connection ends with it. */
  private refuse(status: number, message: string): void {
    this.input = null;
    this.clearDeadline();
    this.send(wholeResponse(status, { "content-type": "application/json" }, JSON.stringify({ error: { code: "bad-request", message } }), true));
    this.finish();
  }

  /** Bytes the front will not frame: from here on the connection is the Bun server's. */
  private toPipe(): void {
    this.mode = "pipe";
    this.sock.timeout(0);
    this.clearDeadline();
    this.stall("readAhead", false);
    this.dropService(false);
    const rest = this.input!;
    this.input = null;
    this.sendFallback(rest);
  }

  private sendFallback(b: Buffer): void {
    if (!this.fallback || this.fallback.closed) this.fallback = new Link(this, this.cfg.fallbackPort);
    if (!this.fallback.send(b)) return this.drop();
    // The same the other way: a request body the Bun server is not taking waits in the client's socket.
    if (!this.fallback.out.empty) this.stall("nextHop", true);
  }

  private fromFallback(d: Buffer): void {
    if (this.mode === "pipe") return this.send(d);
    const s = this.slow;
    if (!s || this.mode !== "slow") return void this.drop();
    let buf = s.pending ? Buffer.concat([s.pending, d]) : d;
    s.pending = null;
    let at = 0;
    while (!s.res) {
      const h = parseHead(buf.subarray(at), "response");
      if (h === "incomplete") {
        if (at > 0) this.send(buf.subarray(0, at));
        s.pending = Buffer.from(buf.subarray(at));
        return;
      }
      if (h === "odd" || h === "bare-lf") {
        // Bun's own server said something the front can't frame: stop framing.
        this.mode = "pipe";
        return this.send(buf);
      }
      at += h.size;
      if (h.status < 200) continue;
      s.res = h;
      s.frame = BodyFrame.of(h, bodiless(s.method, h.status));
      if (h.close || (!s.frame.chunked && h.contentLength < 0)) this.closeAfter = true;
    }
    const end = s.frame!.feed(buf, at);
    this.send(end === buf.byteLength ? buf : buf.subarray(0, end));
    if (s.frame!.broken) return this.drop();
    if (s.frame!.done) {
      this.slow = null;
      if (s.res.close) (this.fallback?.close(false), (this.fallback = null));
      this.idle();
    }
  }

  // ── links ────────────────────────────────────────────────────────────────────

  linkData(link: Link, d: Buffer): void {
    if (link === this.service) this.fromService(d);
    else if (link === this.fallback) this.fromFallback(d);
  }

  linkClosed(link: Link): void {
    if (link === this.service) {
      this.service = null;
      const f = this.fast;
      if (!f || this.mode !== "fast") return;
      if (!f.res) return this.fastFailed(f);
      if (f.frame!.done) return;
      // An answer without length runs until the service closes.
      if (!f.frame!.chunked && f.res.contentLength < 0) {
        if (f.rechunk) {
          const rest = f.ex.transform!.flush();
          if (rest.byteLength) this.send(asChunk(rest));
          this.send(LAST_CHUNK);
        }
        return this.fastDone(f);
      }
      return this.fastBroke(f);
    }
    if (link === this.fallback) {
      this.fallback = null;
      if (this.mode !== "pipe" && this.mode !== "slow") return;
      // The Bun server closed mid-answer (or, piped, at all): so does the client's connection.
      this.dropService(false);
      this.finish();
    }
  }

  linkDrained(): void {
    this.stall("nextHop", false);
  }

  linkRefused(link: Link): void {
    if (link === this.service) {
      this.service = null;
      const f = this.fast;
      if (!f || f.heard || this.mode !== "fast") return;
      // Nothing listens (a restart): nothing was sent, so the full path may try again; it
      // asks the supervisor to wait for the service. The lane's bookkeeping is dropped.
      if (f.timer) clearTimeout(f.timer);
      this.fast = null;
      const head = parseHead(f.raw, "request") as Head;
      this.startSlow(head, f.raw.byteLength, f.raw);
      return;
    }
    if (link === this.fallback) {
      this.fallback = null;
      this.drop();
    }
  }
}
