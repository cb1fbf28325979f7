import type { Socket } from "bun";
import type { Service } from "../registry/schema.ts";

export type ProbeResult = { ok: true } | { ok: false; reason: string };
export type ProbeFn = (service: Service, internalToken: string) => Promise<ProbeResult>;

/** The header that proves a request came from mcpd (the proxy adds it too). */
export const INTERNAL_HEADER = "x-mcpd-internal";
/** A status line longer than this is not HTTP. */
const STATUS_LINE_MAX_BYTES = 1_024;

/**
 * GET health.path with the internal token when there is one, else a TCP connect; both
 * bounded by health.timeoutMs.
 *
 * Each probe is one short connection, reset (not closed) by us once we know the answer.
 * Not `fetch`: its pool would keep a connection to every service open for good, and the
 * local port of each — picked from the ephemeral range, where the historic 49160+ service
 * ports lie — would stay taken from any service not yet listening. A normal close from our
 * side would leave that local port in TIME-WAIT for 60 s instead. A reset leaves nothing.
 */
export const probeService: ProbeFn = (service, internalToken) =>
  service.health.path ? httpProbe(service.port, service.health.path, internalToken, service.health.timeoutMs) : tcpProbe(service.port, service.health.timeoutMs);

/** The status of `GET path` on 127.0.0.1:port: 2xx is healthy, anything else (redirects too) is not. */
export function httpProbe(port: number, path: string, token: string, timeoutMs: number): Promise<ProbeResult> {
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${INTERNAL_HEADER}: ${token}\r\nConnection: close\r\n\r\n`;
  let head = "";
  return connectOnce(port, timeoutMs, {
    open: (s) => void s.write(request),
    data(bytes) {
      head += Buffer.from(bytes).toString("latin1");
      const eol = head.indexOf("\r\n");
      if (eol < 0) return head.length > STATUS_LINE_MAX_BYTES ? { ok: false, reason: "answered something other than HTTP" } : undefined;
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head.slice(0, eol));
      if (!m) return { ok: false, reason: "answered something other than HTTP" };
      const status = Number(m[1]);
      return status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `GET ${path} answered ${status}` };
    },
    closedEarly: { ok: false, reason: `GET ${path}: connection closed before an answer` },
  });
}

/** Healthy when something accepts a connection on the port. */
function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return connectOnce(port, timeoutMs, { open: () => ({ ok: true }), data: () => undefined, closedEarly: { ok: false, reason: "connection closed" } });
}

interface Exchange {
  /** a result ends the probe */
  open(s: Socket<undefined>): ProbeResult | void;
  data(bytes: Uint8Array): ProbeResult | undefined;
  closedEarly: ProbeResult;
}

/** One connection to 127.0.0.1:port driven by `x`, reset once a result is in (see probeService). */
function connectOnce(port: number, timeoutMs: number, x: Exchange): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let sock: Socket<undefined> | null = null;
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock?.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    timer.unref?.();
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          sock = s;
          if (settled) return void s.terminate();
          const r = x.open(s);
          if (r) finish(r);
        },
        data(_s, bytes) {
          const r = x.data(bytes);
          if (r) finish(r);
        },
        end: () => finish(x.closedEarly),
        close: () => finish(x.closedEarly),
        error: (_s, e) => finish({ ok: false, reason: reasonOf(e) }),
        connectError: (_s, e) => finish({ ok: false, reason: reasonOf(e) }),
      },
    }).catch((e) => finish({ ok: false, reason: reasonOf(e) }));
  });
}

function reasonOf(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err?.code === "ECONNREFUSED" || err?.code === "ConnectionRefused") return "connection refused";
  return err?.message ?? String(e);
}
