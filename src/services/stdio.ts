import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Secret } from "../crypto/secret.ts";
import { McpdError } from "../util/errors.ts";
import { builtinOf } from "./builtins.ts";
import { hostConfig } from "./config.ts";
import { STOP_GRACE_MS } from "./run.ts";

/**
 * Where the stdio form reads its one user's key. Named here only: bench/lib/gateways.ts,
 * which starts supergateway and mcp-proxy in front of this form, imports it.
 */
export const STDIO_KEY_ENV = "MCPD_STDIO_KEY";

/**
 * Runs builtin `id` as a classic one-user stdio MCP server: newline-delimited JSON-RPC on
 * stdin/stdout, the same tools as the shared HTTP host, the key from $MCPD_STDIO_KEY
 * instead of per-request headers. It exists so stdio-only gateways (supergateway,
 * mcp-proxy) can front the very same service code as mcpd in the benchmarks; mcpd itself
 * never starts a builtin this way. Resolves with the exit code once stdin ends or a
 * signal arrives.
 */
export async function runStdioHost(id: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const builtin = builtinOf(id);
  if (!env[STDIO_KEY_ENV]) throw new McpdError("usage", `${STDIO_KEY_ENV} is not set: the stdio form serves one user and reads their key from it`);
  const cfg = hostConfig(builtin, env);

  // stdout carries the protocol and nothing else: a stray log line there would be read
  // as a broken JSON-RPC message by the client, so every console line goes to stderr.
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = console.info = console.debug = toStderr;

  const server = (await builtin.load()).create({
    ...cfg.context,
    stdio: {
      env: STDIO_KEY_ENV,
      // Read on each call, like a header would be: no copy is kept in the service.
      read: () => (env[STDIO_KEY_ENV] ? new Secret(env[STDIO_KEY_ENV]) : undefined),
    },
  });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  const inflight = trackRequests(transport);
  console.error(`${cfg.context.name}: builtin ${id} serving MCP on stdio (pid ${process.pid}, config: ${cfg.source})`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string, drain: boolean) => {
      if (stopping) return;
      stopping = true;
      console.error(`${cfg.context.name}: stopping (${why})`);
      const done = () =>
        void server.close().finally(() => {
          // What was written must reach the pipe before the process exits.
          process.stdout.write("", () => resolve(0));
        });
      if (!drain) return done();
      const grace = setTimeout(done, STOP_GRACE_MS);
      grace.unref();
      void inflight.idle().then(() => (clearTimeout(grace), done()));
    };
    // The client closing our stdin is how a stdio server is told to go. Requests already
    // read are still answered (bounded by STOP_GRACE_MS), so `printf … | mcpd __service
    // demo --stdio` gets every answer.
    process.stdin.once("end", () => stop("stdin closed", true));
    process.once("SIGTERM", () => stop("SIGTERM", false));
    process.once("SIGINT", () => stop("SIGINT", false));
  });
}

/** Counts requests read and not yet answered; `idle()` resolves when none is left. */
function trackRequests(transport: StdioServerTransport): { idle(): Promise<void> } {
  const open = new Set<string | number>();
  let waiters: Array<() => void> = [];
  const settle = () => {
    if (open.size > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };
  const receive = transport.onmessage;
  transport.onmessage = (message) => {
    if ("method" in message && "id" in message) open.add(message.id);
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if (("result" in message || "error" in message) && "id" in message && message.id !== undefined) {
      open.delete(message.id);
      settle();
    }
  };
  return { idle: () => new Promise<void>((resolve) => (waiters.push(resolve), settle())) };
}
