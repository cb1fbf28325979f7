import { McpdError } from "../util/errors.ts";
import { builtinOf } from "./builtins.ts";
import { hostConfig } from "./config.ts";
import { startServiceHost } from "./host.ts";
import { watchLifeline } from "./lifeline.ts";

/** Stops waiting on in-flight streams after this long when told to go. */
export const STOP_GRACE_MS = 3_000;

/**
 * Runs builtin `id` as the supervisor starts it: PORT and MCPD_INTERNAL_TOKEN from the
 * environment, until SIGTERM/SIGINT, its stdin closes or its parent dies. Resolves with
 * the exit code once stopped.
 */
export async function runServiceHost(id: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const builtin = builtinOf(id);
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new McpdError("usage", `PORT must be a port number, got "${env.PORT ?? ""}"`);
  const internalToken = env.MCPD_INTERNAL_TOKEN ?? "";
  if (!internalToken) throw new McpdError("usage", "MCPD_INTERNAL_TOKEN is not set; builtin services are started by mcpd start");
  const cfg = hostConfig(builtin, env);

  const host = startServiceHost({ builtin, ...cfg, internalToken, port });
  console.log(`${cfg.context.name}: builtin ${id} serving ${cfg.mcpPath} on ${host.url} (pid ${process.pid}, config: ${cfg.source})`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      unwatch();
      console.log(`${cfg.context.name}: stopping (${why})`);
      const grace = setTimeout(() => resolve(0), STOP_GRACE_MS);
      grace.unref();
      host.stop().then(
        () => resolve(0),
        () => resolve(0),
      );
    };
    const unwatch = watchLifeline(stop);
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
