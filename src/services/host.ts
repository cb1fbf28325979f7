import type { Server } from "bun";
import { sameSecret } from "../crypto/compare.ts";
import { createMcpEndpoint, type McpEndpoint } from "./mcpEndpoint.ts";
import type { BuiltinService, ServiceContext } from "./types.ts";

export interface HostOptions {
  builtin: BuiltinService;
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
  readonly endpoint: McpEndpoint;
}

const json = (status: number, body: unknown) => Response.json(body, { status });

/**
 * The request path of a built-in service as a plain function: health, then the internal
 * token (so nobody on the machine can skip the proxy by calling the port), then MCP.
 */
export function createServiceHandler(opts: HostOptions): ServiceHandler {
  if (!opts.internalToken) throw new Error("a service host needs an internal token");
  const healthPath = opts.healthPath ?? "/health";
  const endpoint = createMcpEndpoint({
    makeServer: () => opts.builtin.create(opts.context),
    maxBodyBytes: opts.maxBodyBytes,
  });
  return {
    endpoint,
    async fetch(req, server) {
      const path = new URL(req.url).pathname;
      if (path === healthPath && req.method === "GET") return json(200, { ok: true });
      if (!sameSecret(req.headers.get("x-mcpd-internal") ?? "", opts.internalToken)) {
        return json(401, { error: "missing or wrong x-mcpd-internal token: call this service through the mcpd proxy" });
      }
      if (path !== opts.mcpPath) return json(404, { error: `no such path ${path}; the MCP endpoint is ${opts.mcpPath}` });
      // SSE answers can stay quiet longer than Bun's 10 s idle default; the SDK sends its own keep-alives.
      server?.timeout(req, 0);
      try {
        return await endpoint.handle(req);
      } catch (e) {
        console.error(`${opts.context.name}: request failed: ${(e as Error).message}`);
        return json(500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: `${opts.context.name} could not handle the request` } });
      }
    },
  };
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
      await handler.endpoint.close();
      await server.stop(true);
    },
  };
}
