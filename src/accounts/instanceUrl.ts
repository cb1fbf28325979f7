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

/** `http://{host}:{port}/{instanceId}/{service}{mcpPath}`; an IPv6 host gets brackets. */
export function instanceUrl(addr: ProxyAddress, instanceId: string, service: Pick<Service, "name" | "mcpPath">): string {
  const host = addr.host.includes(":") && !addr.host.startsWith("[") ? `[${addr.host}]` : addr.host;
  return `http://${host}:${addr.port}/${instanceId}/${service.name}${service.mcpPath}`;
}
