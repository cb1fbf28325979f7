import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Secret } from "../crypto/secret.ts";
import { credentialFrom, headerValue, scrub } from "./credential.ts";
import type { ServiceContext } from "./types.ts";

/** A failure the caller can act on; its message becomes the tool error text as is. */
export class ToolError extends Error {
  override name = "ToolError";
}

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What one tool call runs with. Lives for the call only; nothing here outlives it. */
export interface ToolCall {
  credential: Secret;
  /** `x-mcpd-user` and `x-mcpd-instance` as the proxy set them */
  user: string | undefined;
  instance: string | undefined;
  signal: AbortSignal;
  extra: ToolExtra;
}

export interface ToolSpec<Shape extends z.ZodRawShape> {
  title?: string;
  description: string;
  input: Shape;
  annotations?: ToolAnnotations;
}

/**
 * Each tool's input schema, built once per service context. `create` runs per MCP session,
 * and the SDK would otherwise build (and keep, for the session's life) a zod object per
 * tool per session: about 50 KB a session for the demo's five tools, 500 MB at 10,000
 * sessions. The context is one object for the life of a host, and a builtin's inputs are
 * fixed by its code, so the first session's schema serves them all.
 */
const inputSchemas = new WeakMap<ServiceContext, Map<string, z.ZodObject>>();

function inputSchemaOf(ctx: ServiceContext, name: string, shape: z.ZodRawShape): z.ZodObject {
  let byName = inputSchemas.get(ctx);
  if (!byName) inputSchemas.set(ctx, (byName = new Map()));
  let schema = byName.get(name);
  if (!schema) byName.set(name, (schema = z.object(shape)));
  return schema;
}

/** A result past this many characters is cut: an LLM context is not a file download. */
export const MAX_RESULT_CHARS = 200_000;

/**
 * Registers a tool whose handler gets the caller's credential, read from this request's
 * headers, and returns plain data. Whatever it throws becomes an `isError` result with a
 * message a person can act on (credential scrubbed), never a crashed service.
 */
export function defineTool<Shape extends z.ZodRawShape>(
  server: McpServer,
  ctx: ServiceContext,
  name: string,
  spec: ToolSpec<Shape>,
  run: (args: z.output<z.ZodObject<Shape>>, call: ToolCall) => Promise<unknown>,
): void {
  const handler = async (args: z.output<z.ZodObject<Shape>>, extra: ToolExtra): Promise<CallToolResult> => {
    const headers = extra.requestInfo?.headers;
    const credential = ctx.stdio ? ctx.stdio.read() : credentialFrom(headers, ctx.credential);
    if (!credential) {
      return failure(
        ctx.stdio
          ? `no ${ctx.name} credential: ${ctx.stdio.env} is empty or unset in this stdio server's environment`
          : `no ${ctx.name} credential reached this service (the ${ctx.credential.header} header is missing); ` +
              "call it through the mcpd proxy with an instance URL",
      );
    }
    try {
      const value = await run(args, {
        credential,
        user: headerValue(headers, "x-mcpd-user"),
        instance: headerValue(headers, "x-mcpd-instance"),
        signal: extra.signal,
        extra,
      });
      return { content: [{ type: "text", text: render(value) }] };
    } catch (e) {
      if (e instanceof ToolError) return failure(scrub(e.message, credential));
      const message = scrub((e as Error)?.message ?? String(e), credential);
      // Unexpected: worth a line in the service log (scrubbed; no request data).
      console.error(`${ctx.name}: tool ${name} failed unexpectedly: ${message}`);
      return failure(`${ctx.name} tool ${name} failed: ${message}`);
    }
  };
  // The SDK's callback type is spelled with its own zod-compat generics, which TypeScript
  // cannot match to `z.output` of the same shape; the runtime contract is identical.
  server.registerTool(
    name,
    { title: spec.title, description: spec.description, inputSchema: inputSchemaOf(ctx, name, spec.input), annotations: spec.annotations },
    handler as never,
  );
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

function render(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null, null, 2);
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n… [cut at ${MAX_RESULT_CHARS} characters of ${text.length}; ask for less, e.g. fewer ids, a smaller depth or limit]`;
}
