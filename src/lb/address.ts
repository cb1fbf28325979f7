import { McpdError } from "../util/errors.ts";

/** One mcpd node (or the balancer's own listen address) as the balancer configs name it. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * `HOST:PORT`, `[v6]:PORT`, or (with `portOnly` allowed, for `--listen`) a bare `PORT`.
 * Refuses anything a config file could be broken by: spaces, semicolons, braces, quotes.
 */
export function parseHostPort(text: string, what: string, opts: { bareHost?: string } = {}): HostPort {
  const t = text.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(t) ?? (opts.bareHost !== undefined && /^\d{1,5}$/.test(t) ? [t, undefined, opts.bareHost, t] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    const like = opts.bareHost !== undefined ? "PORT or HOST:PORT (8080, 0.0.0.0:443)" : "HOST:PORT (10.0.0.5:8080, [fd00::5]:8080)";
    throw new McpdError("usage", `${what} ${text}: give ${like}`);
  }
  return { host: m[1] ?? m[2]!, port };
}

/** How both nginx and HAProxy write an address: IPv6 in brackets. */
export function formatHostPort(a: HostPort): string {
  return `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
