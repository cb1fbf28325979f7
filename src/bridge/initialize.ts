import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

/**
 * What the bridge tells a child it can do: everything it can route back to a client
 * session. A child is initialized once for many sessions, so it must not hide tools from
 * all of them because the first client lacked a capability; a session whose client lacks
 * it gets a clear error when the child asks it (mux.ts).
 */
export const BRIDGE_CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** The client capability a server→client request needs, by method. */
export const CAPABILITY_OF: Readonly<Record<string, string>> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * What a child is initialized with: the first client's version and name when there was
 * one (so it sees a real client), else the bridge's (a stateless call started it), and
 * always the bridge's capabilities.
 */
export function childInitParams(first: Record<string, unknown> | null): Record<string, unknown> {
  return {
    protocolVersion: typeof first?.protocolVersion === "string" ? first.protocolVersion : LATEST_PROTOCOL_VERSION,
    capabilities: BRIDGE_CLIENT_CAPABILITIES,
    clientInfo: first?.clientInfo ?? { name: "mcpd-bridge", version: "1" },
  };
}

/**
 * The initialize result one client session gets: the child's own (capabilities,
 * serverInfo, instructions), at the version the session asked for when the SDK knows
 * it, else at the version the child settled on.
 */
export function sessionInitResult(child: Record<string, unknown>, params: Record<string, unknown> | undefined): Record<string, unknown> {
  const asked = params?.protocolVersion;
  const version = typeof asked === "string" && SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : child.protocolVersion;
  return { ...child, protocolVersion: version };
}
