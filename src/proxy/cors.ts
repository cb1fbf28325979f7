/**
 * CORS for browser clients whose origin passed `checkOrigin` (e.g. the MCP Inspector):
 * they must be able to send the MCP headers and read Mcp-Session-Id back.
 */
const ALLOW_METHODS = "GET, POST, DELETE, OPTIONS";
const ALLOW_HEADERS = "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id";
const EXPOSE_HEADERS = "mcp-session-id, mcp-protocol-version";
const PREFLIGHT_MAX_AGE_SEC = "600";

export function addCors(h: Headers, origin: string): void {
  h.set("access-control-allow-origin", origin);
  h.set("access-control-expose-headers", EXPOSE_HEADERS);
  h.append("vary", "Origin");
}

/** Answered by the proxy itself: a preflight carries no credential and needs no instance lookup. */
export function preflight(req: Request, origin: string): Response {
  const h = new Headers({
    "access-control-allow-methods": ALLOW_METHODS,
    "access-control-allow-headers": req.headers.get("access-control-request-headers") ?? ALLOW_HEADERS,
    "access-control-max-age": PREFLIGHT_MAX_AGE_SEC,
  });
  addCors(h, origin);
  return new Response(null, { status: 204, headers: h });
}
