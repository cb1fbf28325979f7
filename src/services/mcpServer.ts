import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerOptions } from "@modelcontextprotocol/sdk/server/index.js";
import type { Implementation } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";

/**
 * An McpServer for one session of a builtin service. Left to itself the SDK builds a
 * JSON Schema compiler (Ajv with its formats) in every server it makes: about 1 ms of CPU
 * per session (5 ms for the first) for something only elicitation uses. Here each server
 * builds its own only when first asked, so a session that never elicits never pays.
 */
export function createMcpServer(info: Implementation, options: ServerOptions = {}): McpServer {
  return new McpServer(info, { ...options, jsonSchemaValidator: onFirstUse() });
}

function onFirstUse(): jsonSchemaValidator {
  let ajv: AjvJsonSchemaValidator | undefined;
  return { getValidator: (schema) => (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema) };
}
