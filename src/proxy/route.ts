/** Where an instance URL points: the bearer id, the service name, and the path on the service. */
export interface Route {
  instanceId: string;
  service: string;
  /** The path on the service, always starting with "/" ("" when the URL stops at the service). */
  rest: string;
  /** "/{instanceId}/{service}": what the client's URLs must stay under. */
  prefix: string;
}

/** An instance id is `{prefix}_{userId}_{random}`; this only bounds its shape and size. */
// "healthz" has no underscore, so no instance id can be it: /healthz/... is never an
// instance URL, and GET /healthz (src/proxy/health.ts) is the proxy's own.
const ID = /^[A-Za-z0-9._@+-]{1,200}$/;
const SERVICE = /^[a-z0-9-]{1,64}$/;

/**
 * Splits `/{instanceId}/{service}/{rest}`. It never parses authority out of the id (the
 * whole id is looked up as one opaque string); anything not shaped like an instance URL
 * is `null`.
 */
export function parseRoute(pathname: string): Route | null {
  const a = pathname.indexOf("/", 1);
  if (pathname.charCodeAt(0) !== 47 /* "/" */ || a < 0) return null;
  const b = pathname.indexOf("/", a + 1);
  const instanceId = pathname.slice(1, a);
  const service = b < 0 ? pathname.slice(a + 1) : pathname.slice(a + 1, b);
  if (!ID.test(instanceId) || !SERVICE.test(service)) return null;
  const rest = b < 0 ? "" : pathname.slice(b);
  return { instanceId, service, rest, prefix: pathname.slice(0, b < 0 ? pathname.length : b) };
}

/**
 * Whether a raw request target could name another path once parsed as a URL: a dot
 * segment (`/../`, `/./`, their `%2e` spellings) or a backslash, which the URL parser
 * Bun's server applies resolves. The front's lane leaves such a target to that server, so
 * `/A/demo/../../B/demo/mcp` is B's URL on every path, never A's on one and B's on another.
 */
export function mayNormalise(target: string): boolean {
  return DOTTY.test(target);
}
const DOTTY = /\/\.|%2e|\\/i;
