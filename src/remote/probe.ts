import type { Service } from "../registry/schema.ts";
import { tlsOf } from "./tls.ts";

export type RemoteProbe = { ok: true } | { ok: false; reason: string };

/**
 * Whether a remote MCP server answers at all: any HTTP answer below 500 to a GET of its
 * URL (an MCP endpoint without a session says 400, 401 or 405: it is there), over TLS
 * verified as for real requests. No user's key and no token of mcpd goes with it.
 */
export async function probeRemote(service: Pick<Service, "run" | "dir" | "name" | "health">): Promise<RemoteProbe> {
  if (!("url" in service.run)) return { ok: false, reason: "not a remote service" };
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), service.health.timeoutMs);
  try {
    const res = await fetch(service.run.url, { method: "GET", headers: { accept: "application/json" }, signal: ac.signal, redirect: "manual", tls: tlsOf(service) });
    await res.body?.cancel().catch(() => {});
    return res.status < 500 ? { ok: true } : { ok: false, reason: `${service.run.url} answered ${res.status}` };
  } catch (e) {
    if (ac.signal.aborted) return { ok: false, reason: `${service.run.url} did not answer within ${service.health.timeoutMs} ms` };
    const code = (e as { code?: string }).code;
    return { ok: false, reason: `${service.run.url}: ${code ?? (e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
