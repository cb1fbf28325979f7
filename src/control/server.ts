import { chmodSync, rmSync } from "node:fs";
import type { Server } from "bun";
import { isMcpdError } from "../util/errors.ts";
import type { DaemonStatus, StateChange } from "./types.ts";

/** GET /events sends a full status this often. */
export const STATUS_EVERY_MS = 1_000;
/** An SSE comment this often keeps idle proxies and Bun's own timers from closing the stream. */
export const KEEPALIVE_EVERY_MS = 15_000;
export const DEFAULT_LOG_LINES = 100;

/** What the control endpoint asks of the running daemon. */
export interface ControlBackend {
  status(): DaemonStatus;
  restart(service: string): Promise<void>;
  /** begins the daemon's shutdown; the answer goes out first */
  stop(): void;
  logTail(service: string, lines: number): string[];
  recentChanges(service?: string): StateChange[];
  onChange(fn: (c: StateChange) => void): () => void;
  metricsText(): string;
  /** a CLI command committed to the store: drop what it may have changed before answering */
  storeChanged?(): void;
  /** loads the ports dir again and starts serving the services of new folders */
  reload?(): ReloadResult;
}

/** `mcpd reload --json` (documented in the README). */
export interface ReloadResult {
  added: string[];
  changed: string[];
  removed: string[];
  /** folders not served because their config is broken (see status) */
  invalid: string[];
}

export interface ControlServer {
  socket: string;
  close(): void;
}

/**
 * The control endpoint: HTTP+JSON on a unix socket made 0600, so only the user who runs
 * mcpd reaches it (no token to leak, no port to scan).
 */
export function serveControl(backend: ControlBackend, socket: string): ControlServer {
  rmSync(socket, { force: true }); // a socket left by a dead daemon (the pid file said so)
  // The socket is born with the umask's mode; make that 0600 so there is no window before chmod.
  const umask = process.umask(0o177);
  let server: Server<undefined>;
  try {
    server = Bun.serve({ unix: socket, fetch: (req, srv) => route(req, srv, backend) });
  } finally {
    process.umask(umask);
  }
  chmodSync(socket, 0o600);
  return {
    socket,
    close() {
      server.stop(true);
      rmSync(socket, { force: true });
    },
  };
}

async function route(req: Request, server: Server<undefined>, b: ControlBackend): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  const m = /^\/services\/([^/]+)\/(restart|log)$/.exec(path);
  try {
    if (req.method === "GET" && path === "/status") return Response.json(b.status());
    if (req.method === "GET" && path === "/changes") return Response.json(b.recentChanges(url.searchParams.get("service") ?? undefined));
    if (req.method === "GET" && path === "/metrics") return new Response(b.metricsText(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    if (req.method === "GET" && path === "/events") {
      server.timeout(req, 0); // a quiet stream must not be closed after Bun's 10 s idle default
      return events(b, req.signal);
    }
    if (req.method === "POST" && path === "/stop") {
      setTimeout(() => b.stop(), 10); // after this answer has gone out
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "/store/changed" && b.storeChanged) {
      b.storeChanged();
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "/reload" && b.reload) return Response.json(b.reload());
    if (m && req.method === "POST" && m[2] === "restart") {
      await b.restart(decodeURIComponent(m[1]));
      return Response.json({ ok: true });
    }
    if (m && req.method === "GET" && m[2] === "log") {
      const lines = Number(url.searchParams.get("lines") ?? DEFAULT_LOG_LINES);
      return Response.json({ lines: b.logTail(decodeURIComponent(m[1]), Number.isFinite(lines) ? lines : DEFAULT_LOG_LINES) });
    }
    return Response.json({ error: `no such control route: ${req.method} ${path}` }, { status: 404 });
  } catch (e) {
    const status = isMcpdError(e) && e.code === "unknown-service" ? 404 : isMcpdError(e) && e.code === "config" ? 400 : 500;
    return Response.json({ error: (e as Error).message, code: isMcpdError(e) ? e.code : "internal" }, { status });
  }
}

/** SSE: `status` about every second, `change` per transition, `: keepalive` in between. */
function events(b: ControlBackend, signal: AbortSignal): Response {
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const event = (name: string, data: unknown) => send(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      event("status", b.status());
      const off = b.onChange((c) => event("change", c));
      const tick = setInterval(() => event("status", b.status()), STATUS_EVERY_MS);
      const keep = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_EVERY_MS);
      cleanup = () => {
        off();
        clearInterval(tick);
        clearInterval(keep);
      };
      signal.addEventListener("abort", () => {
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" } });
}
