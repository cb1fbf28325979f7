import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

/** The revision without sessions: no initialize, every request stands alone. */
export const STATELESS_PROTOCOL_VERSION = "2026-07-28";

/** Every revision a service of mcpd speaks, builtin or bridged: the SDK's, and the stateless one. */
export const PROTOCOL_VERSIONS: readonly string[] = [...new Set([...SUPPORTED_PROTOCOL_VERSIONS, STATELESS_PROTOCOL_VERSION])];

/**
 * What the spec says of a request's MCP headers, decided in one place for builtins and
 * the stdio bridge alike: a `MCP-Protocol-Version` no service here speaks is refused
 * naming the ones it does, and `Mcp-Method` / `Mcp-Name` that disagree with the body are
 * refused (a balancer or gateway may route on the header; the service acts on the body).
 * Returns the 400's message, or null when the request may go on. initialize is not
 * checked: its version is negotiated in the body.
 */
export function mcpHeaderProblem(headers: Headers, messages: readonly unknown[]): string | null {
  const first = messages[0] as { method?: unknown; params?: Record<string, unknown> } | undefined;
  if (messages.length === 1 && first?.method === "initialize") return null;
  const version = headers.get("mcp-protocol-version");
  if (version !== null && !PROTOCOL_VERSIONS.includes(version)) {
    return `Bad Request: unsupported protocol version ${version} (supported: ${PROTOCOL_VERSIONS.join(", ")})`;
  }
  const method = headers.get("mcp-method");
  if (method !== null && messages.length === 1 && typeof first?.method === "string" && method !== first.method) {
    return `Bad Request: the Mcp-Method header (${method}) does not match the body's method (${first.method})`;
  }
  const name = headers.get("mcp-name");
  const named = first?.params?.name ?? first?.params?.uri;
  if (name !== null && messages.length === 1 && typeof named === "string" && name !== named) {
    return `Bad Request: the Mcp-Name header (${name}) does not match the body's (${named})`;
  }
  return null;
}
