import type { Server } from "bun";
import { sameSecret } from "../crypto/compare.ts";
import type { McpEndpoint } from "./mcpEndpoint.ts";
import type { BuiltinRef, ServiceContext } from "./types.ts";

export interface HostOptions {
  builtin: BuiltinRef;
  context: ServiceContext;
  /** the MCP endpoint path from the config (`/mcp`) */
  mcpPath: string;
  healthPath?: string;
  /** every request but the health check must carry it in `x-mcpd-internal` */
  internalToken: string;
  maxBodyBytes: number;
}

export interface ServiceHandler {
  fetch(req: Request, server?: Server<unknown>): Promise<Response>;
  /** ends every MCP session (nothing to do when none was ever opened) */
  close(): Promise<void>;
}

const json = (status: number, body: unknown) => Response.json(body, { status });

/**
 * The request path of a built-in service as a plain function: health, then the internal
 * token (so nobody on the machine can skip the proxy by calling the port), then MCP.
 */
export function createServiceHandler(opts: HostOptions): ServiceHandler {
  if (!opts.internalToken) throw new Error("a service host needs an internal token");
  const healthPath = opts.healthPath ?? "/health";
  // Loaded on the first MCP request, not at start: the health check needs none of it, and
  // a fleet of 373 services most of which nobody calls boots on about half the CPU.
  let endpoint: Promise<McpEndpoint> | undefined;
  // A load that failed is not kept: the request gets a 500 naming the error, the next one tries again.
  const endpointNow = () =>
    (endpoint ??= loadEndpoint(opts).catch((e: unknown) => {
      endpoint = undefined;
      throw e;
    }));
  return {
    async close() {
      await (await endpoint?.catch(() => undefined))?.close();
    },
    async fetch(req, server) {
      const path = new URL(req.url).pathname;
      if (path === healthPath && req.method === "GET") return json(200, { ok: true });
      if (!sameSecret(req.headers.get("x-mcpd-internal") ?? "", opts.internalToken)) {
        return json(401, { error: "missing or wrong x-mcpd-internal token: call this service through the mcpd proxy" });
      }
      if (path !== opts.mcpPath) {
        // Legacy HTTP+SSE (2024-11-05) is the stdio bridge's: say so, rather than a bare 404.
        const legacy = path === "/sse" || path === "/messages";
        const error = legacy
          ? `no such path ${path}: ${opts.context.name} is a built-in service and speaks Streamable HTTP only, at ${opts.mcpPath}; legacy HTTP+SSE (/sse) is served for stdio services`
          : `no such path ${path}; the MCP endpoint is ${opts.mcpPath}`;
        return json(404, { error });
      }
      // SSE answers can stay quiet longer than Bun's 10 s idle default; the SDK sends its own keep-alives.
      server?.timeout(req, 0);
      try {
        return await (await endpointNow()).handle(req);
      } catch (e) {
        console.error(`${opts.context.name}: request failed: ${(e as Error).message}`);
        return json(500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: `${opts.context.name} could not handle the request` } });
      }
    },
  };
}

async function loadEndpoint(opts: HostOptions): Promise<McpEndpoint> {
  const [{ createMcpEndpoint }, builtin] = await Promise.all([import("./mcpEndpoint.ts"), opts.builtin.load()]);
  return createMcpEndpoint({ makeServer: () => builtin.create(opts.context), maxBodyBytes: opts.maxBodyBytes });
}

export interface RunningHost {
  port: number;
  url: string;
  handler: ServiceHandler;
  stop(): Promise<void>;
}

/** Serves the handler on 127.0.0.1 only: the proxy is the one way in. */
export function startServiceHost(opts: HostOptions & { port: number; hostname?: string }): RunningHost {
  const handler = createServiceHandler(opts);
  const server = Bun.serve({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port,
    fetch: (req, srv) => handler.fetch(req, srv),
  });
  const port = server.port ?? opts.port;
  return {
    port,
    url: `http://${server.hostname}:${port}`,
    handler,
    async stop() {
      await handler.close();
      await server.stop(true);
    },
  };
}
