import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Secret } from "../crypto/secret.ts";
import type { Service } from "../registry/schema.ts";
import type { GroupTracker } from "../supervisor/reaper.ts";
import { childArgv, childEnv, needsSecret } from "./childEnv.ts";
import { spawnChild } from "./childProcess.ts";
import { jsonResponse, rpcError } from "./dispatch.ts";
import { SERVER_ERROR } from "./jsonrpc.ts";
import { openLegacyStream, postLegacyMessage } from "./legacySse.ts";
import type { FailureSnapshot } from "./failures.ts";
import { ChildPool } from "./pool.ts";
import { serviceLog } from "./serviceLog.ts";
import { SessionTable } from "./sessions.ts";
import type { CapLimits } from "../util/sessionCap.ts";
import { handleStreamable, type FrontDeps } from "./streamableHttp.ts";

/** Forgotten sessions are looked for this often. */
const SESSION_SWEEP_MS = 60_000;

export interface BridgeContext {
  instanceRef: string;
  userId: string;
  secret: Secret | null;
  /** e.g. "/demo_alice_XXXX/memory" for building URLs the client sees */
  publicPrefix: string;
}

export interface StdioBridge {
  handle(req: Request, ctx: BridgeContext): Promise<Response>;
  status(): FailureSnapshot & {
    live: number;
    rssBytes: number;
    children: Array<{ instanceRef: string | null; pid: number; startedAt: number; lastUsedAt: number; rssBytes: number }>;
  };
  /** Stops every child now; each starts again on its instance's next request. Resolves with how many were stopped. */
  restart(): Promise<number>;
  /** Stops the children (and forgets the sessions) of instances `isLive` says are gone; see ChildPool.retire. */
  retire(isLive: (instanceRef: string) => boolean): Promise<void>;
  /** stops every child: SIGTERM then SIGKILL after a grace period */
  close(): Promise<void>;
}

/**
 * Serves one stdio service (run.command speaking JSON-RPC lines) as Streamable HTTP on
 * its MCP path and as legacy HTTP+SSE on /sse + /messages. The proxy has already
 * resolved the instance and opened the key; the bridge picks (or starts) the child.
 */
export function createStdioBridge(
  service: Service,
  deps: { logFile?: string; now?: () => number; env?: NodeJS.ProcessEnv; track?: Pick<GroupTracker, "add" | "remove">; sessionCaps?: CapLimits },
): StdioBridge {
  const now = deps.now ?? Date.now;
  if (deps.logFile) mkdirSync(dirname(deps.logFile), { recursive: true, mode: 0o700 });
  const log = serviceLog(deps.logFile);
  const pool = new ChildPool(
    service,
    (secret, handlers) => {
      let pid = 0;
      const onExit: typeof handlers.onExit = (exit) => {
        deps.track?.remove(pid);
        handlers.onExit(exit);
      };
      const child = spawnChild({ service, argv: childArgv(service, secret), env: childEnv(service, secret, deps.env ?? process.env), log, now, ...handlers, onExit });
      pid = child.pid;
      // Each child leads its own process group: the reaper kills it if mcpd is SIGKILLed.
      deps.track?.add(pid);
      return child;
    },
    now,
    log,
  );
  const sessions = new SessionTable((s) => pool.peek(s.instanceRef)?.detach(s.id), deps.sessionCaps);
  const front: FrontDeps = { pool, sessions, now };
  const mcpPath = service.mcpPath === "/sse" ? "/mcp" : service.mcpPath;
  const sweeper = setInterval(() => {
    for (const s of sessions.stale(now())) {
      pool.peek(s.instanceRef)?.detach(s.id);
      sessions.remove(s);
    }
  }, SESSION_SWEEP_MS);
  sweeper.unref?.();
  let closed = false;

  return {
    async handle(req, ctx) {
      if (closed) return rpcError(503, SERVER_ERROR, `service ${service.name} is shutting down`);
      if (service.mode === "per-user" && needsSecret(service) && ctx.secret === null) {
        return rpcError(403, SERVER_ERROR, `service ${service.name} needs a credential for this instance; add one with mcpd user add`);
      }
      const path = new URL(req.url).pathname;
      if (path === mcpPath) return handleStreamable(req, ctx, front);
      if (path === "/sse" && req.method === "GET") return openLegacyStream(ctx, front);
      if (path === "/messages" && req.method === "POST") return postLegacyMessage(req, ctx, front);
      return jsonResponse(404, { error: `no such path on service ${service.name}: use ${mcpPath} or /sse` });
    },
    status() {
      const children = pool.children();
      return { live: children.length, rssBytes: children.reduce((n, c) => n + c.rssBytes, 0), children, ...pool.failures.snapshot() };
    },
    async restart() {
      log(`[${service.name}] mcpd restart: stopping every child; each starts again on its next request`);
      return pool.restart();
    },
    async retire(isLive) {
      const gone = new Set(await pool.retire(isLive));
      for (const s of sessions.all()) if (gone.has(s.instanceRef)) sessions.remove(s);
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      for (const s of sessions.all()) sessions.remove(s);
      await pool.close();
    },
  };
}
