import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Secret } from "../crypto/secret.ts";

/** Where the proxy puts the user's credential on each request (`credential.inject`). */
export interface CredentialSlot {
  header: string;
  format: string;
}

/** What a built-in service is given when it builds an MCP server for one session or request. */
export interface ServiceContext {
  /** the config's `name` (the URL segment), for messages */
  name: string;
  credential: CredentialSlot;
  /** the upstream API base, with the env override (FIGMA_API_BASE …) already applied */
  upstreamBase: string | undefined;
  /** injected so tests could swap it; the host passes the global fetch */
  fetch: typeof fetch;
  /**
   * Set only in the stdio form (`mcpd __service <id> --stdio`, see stdio.ts): that process
   * serves one user, so there are no per-request headers and the key comes from its
   * environment, read again on each call.
   */
  stdio?: StdioKey;
}

/** Where the stdio form finds its one user's key. */
export interface StdioKey {
  /** the environment variable's name, for messages */
  env: string;
  read(): Secret | undefined;
}

/**
 * A service compiled into mcpd. `create` runs once per MCP session (or per stateless
 * request) and must not capture any credential: tools read it from each call's headers.
 */
export interface BuiltinService {
  id: string;
  /** the config.json shipped beside the code, used when no config is found on disk */
  config: unknown;
  create(ctx: ServiceContext): McpServer;
}

/**
 * A builtin as the registry lists it: what its host needs to start (id, bundled config)
 * without its code. `load` brings in the code, and with it the MCP SDK, on first use.
 */
export interface BuiltinRef {
  id: string;
  config: unknown;
  load(): Promise<BuiltinService>;
}
