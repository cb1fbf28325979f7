import type { Service } from "../registry/schema.ts";

export type ProbeResult = { ok: true } | { ok: false; reason: string };
export type ProbeFn = (service: Service, internalToken: string) => Promise<ProbeResult>;

/** The header that proves a request came from mcpd (the proxy adds it too). */
export const INTERNAL_HEADER = "x-mcpd-internal";

/** GET health.path with the internal token when there is one, else a TCP connect; both bounded by health.timeoutMs. */
export const probeService: ProbeFn = (service, internalToken) =>
  service.health.path ? httpProbe(service, internalToken) : tcpProbe(service.port, service.health.timeoutMs);

async function httpProbe(service: Service, token: string): Promise<ProbeResult> {
  const url = `http://127.0.0.1:${service.port}${service.health.path}`;
  try {
    const res = await fetch(url, {
      headers: { [INTERNAL_HEADER]: token },
      signal: AbortSignal.timeout(service.health.timeoutMs),
      redirect: "manual",
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, reason: `GET ${service.health.path} answered ${res.status}` };
  } catch (e) {
    return { ok: false, reason: reasonOf(e, service.health.timeoutMs) };
  }
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, reason: `no connection within ${timeoutMs} ms` }), timeoutMs);
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          clearTimeout(timer);
          s.end();
          resolve({ ok: true });
        },
        data() {},
        connectError(_s, e) {
          clearTimeout(timer);
          resolve({ ok: false, reason: reasonOf(e, timeoutMs) });
        },
      },
    }).catch((e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: reasonOf(e, timeoutMs) });
    });
  });
}

function reasonOf(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; message?: string };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  if (err?.code === "ECONNREFUSED" || err?.code === "ConnectionRefused") return "connection refused";
  return err?.message ?? String(e);
}
