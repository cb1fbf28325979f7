import type { Service } from "../registry/schema.ts";
import { McpdError } from "../util/errors.ts";

export const DEFAULT_PROXY_HOST = "127.0.0.1";
export const DEFAULT_PROXY_PORT = 8080;

/** Where clients reach the proxy; printed URLs are built from it. */
export interface ProxyAddress {
  host: string;
  port: number;
}

/** `--host/--port` win over `MCPD_HOST/MCPD_PORT`, which win over 127.0.0.1:8080. */
/** `listening` allows port 0 (any free port) for `mcpd start`; a printed URL needs a real one. */
export function proxyAddress(
  flags: { host?: string; port?: string | number },
  env: NodeJS.ProcessEnv = process.env,
  opts: { listening?: boolean } = {},
): ProxyAddress {
  const host = flags.host ?? env.MCPD_HOST ?? DEFAULT_PROXY_HOST;
  const rawPort = flags.port ?? env.MCPD_PORT ?? DEFAULT_PROXY_PORT;
  const port = Number(rawPort);
  const lowest = opts.listening ? 0 : 1;
  if (!Number.isInteger(port) || port < lowest || port > 65535) {
    const from = flags.port !== undefined ? "--port" : "MCPD_PORT";
    throw new McpdError("usage", `${from}: ${rawPort} is not a port number (${lowest}-65535)`);
  }
  if (!host || /[\s/]/.test(host)) throw new McpdError("usage", `--host: "${host}" is not a host name or address`);
  return { host, port };
}

/** `http://{host}:{port}`; an IPv6 host gets brackets. */
export function addressUrl(addr: ProxyAddress): string {
  const host = addr.host.includes(":") && !addr.host.startsWith("[") ? `[${addr.host}]` : addr.host;
  return `http://${host}:${addr.port}`;
}

/** `{base}/{instanceId}/{service}{mcpPath}`, base as urlBase() chose it (or an address). */
export function instanceUrl(base: string | ProxyAddress, instanceId: string, service: Pick<Service, "name" | "mcpPath">): string {
  return `${typeof base === "string" ? base : addressUrl(base)}/${instanceId}/${service.name}${service.mcpPath}`;
}

/** Where printed instance URLs begin, where that came from, and a line for the person when it may not work. */
export interface UrlBase {
  base: string;
  from: "public-url" | "flags" | "daemon" | "configured";
  note: string | null;
}

export interface UrlSources {
  /** MCPD_PUBLIC_URL, else what `mcpd start --public-url` kept in the data dir */
  publicUrl: string | null;
  /** --host/--port given to this command */
  flags: { host?: string; port?: string | number };
  env: NodeJS.ProcessEnv;
  /** the running daemon's real proxy address (asked over its control socket); null when none runs */
  daemonUrl(): Promise<string | null>;
}

const ANY_ADDRESS = /^http:\/\/(0\.0\.0\.0|\[::\]):/;

/**
 * The one decision of what printed instance URLs begin with: the public URL when one is
 * set (a balancer or TLS front); else --host/--port when this command was given them;
 * else the address the daemon on this data dir really listens on; else the configured
 * host:port (MCPD_HOST/MCPD_PORT, 127.0.0.1:8080), with a note that nothing listens there yet.
 */
export async function urlBase(s: UrlSources): Promise<UrlBase> {
  if (s.publicUrl) return { base: s.publicUrl, from: "public-url", note: null };
  if (s.flags.host !== undefined || s.flags.port !== undefined) return { base: addressUrl(proxyAddress(s.flags, s.env)), from: "flags", note: null };
  const configured = addressUrl(proxyAddress({}, s.env));
  const running = await s.daemonUrl();
  if (running) {
    const note = ANY_ADDRESS.test(running)
      ? `the daemon listens on every address (${running}); a client elsewhere needs this machine's name: set it once with mcpd start --public-url https://HOST`
      : null;
    return { base: running, from: "daemon", note };
  }
  return { base: configured, from: "configured", note: `nothing listens on ${configured} yet (no mcpd running on this data dir): the URL works once mcpd start serves there` };
}
