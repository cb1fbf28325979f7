import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

/** A cold `npx` may download the server first; anything slower is stuck. */
export const INIT_TIMEOUT_MS = 60_000;

/** What the bridge initializes a child with when no client has said anything yet (stateless calls). */
export const BRIDGE_INIT_PARAMS = {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: "mcpd-bridge", version: "1" },
};

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
