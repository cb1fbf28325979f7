import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseServiceFile } from "../registry/load.ts";
import { ServiceConfig } from "../registry/schema.ts";
import { upstreamBase } from "../registry/upstream.ts";
import { McpdError } from "../util/errors.ts";
import type { BuiltinRef, ServiceContext } from "./types.ts";

export interface HostConfig {
  context: ServiceContext;
  mcpPath: string;
  healthPath: string;
  maxBodyBytes: number;
  /** where the config came from, for the start-up line */
  source: string;
}

/**
 * The config a builtin host runs with. The one on disk wins (the supervisor passes its
 * folder as MCPD_SERVICE_DIR), so the header the proxy injects and the header the service
 * reads come from the same file; the copy compiled in serves when there is none.
 */
export function hostConfig(builtin: Pick<BuiltinRef, "id" | "config">, env: NodeJS.ProcessEnv): HostConfig {
  const dir = env.MCPD_SERVICE_DIR || (env.MCPD_PORTS && env.MCPD_SERVICE ? join(env.MCPD_PORTS, env.MCPD_SERVICE) : undefined);
  const file = dir ? join(dir, "config.json") : undefined;
  let config: ServiceConfig;
  let source: string;
  if (file && existsSync(file)) {
    const parsed = parseServiceFile(file, dir!);
    if (Array.isArray(parsed)) throw new McpdError("config", parsed.join("\n"));
    config = parsed;
    source = file;
  } else {
    const parsed = ServiceConfig.safeParse(builtin.config);
    if (!parsed.success) throw new McpdError("config", `builtin ${builtin.id}: its bundled config.json is invalid: ${parsed.error.message}`);
    config = parsed.data;
    source = `bundled config of builtin ${builtin.id}`;
  }
  const inject = config.credential?.inject;
  if (!inject) throw new McpdError("config", `${source}: credential.inject: a shared builtin service needs to know which header carries the key`);
  return {
    context: { name: config.name, credential: inject, upstreamBase: upstreamBase(config, env), fetch },
    mcpPath: config.path ?? "/mcp",
    healthPath: config.health.path ?? "/health",
    maxBodyBytes: config.limits.maxBodyBytes,
    source,
  };
}
