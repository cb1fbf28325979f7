import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseServiceFile } from "../registry/load.ts";
import { McpdError } from "../util/errors.ts";
import type { ExistingService, Plan } from "./plan.ts";

/**
 * Every folder under mcp-ports, read leniently: an import must know the names, prefixes
 * and ports in use even when some other config is broken (that one is the registry's
 * error to report, not the import's).
 */
export function scanExisting(portsDir: string): ExistingService[] {
  if (!existsSync(portsDir)) return [];
  const out: ExistingService[] = [];
  for (const entry of readdirSync(portsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(join(portsDir, entry.name, "config.json"), "utf8"));
    } catch {
      config = undefined;
    }
    const c = (config ?? {}) as { name?: unknown; prefix?: unknown; port?: unknown };
    out.push({
      name: typeof c.name === "string" ? c.name : entry.name,
      prefix: typeof c.prefix === "string" ? c.prefix : undefined,
      port: typeof c.port === "number" ? c.port : undefined,
      config,
    });
    // A folder's own name is taken too, whatever its config calls the service.
    if (typeof c.name === "string" && c.name !== entry.name) out.push({ name: entry.name, config: undefined });
  }
  return out;
}

/**
 * Writes the plan's new and overwritten configs, each checked against the schema first
 * and put in place by rename, so the daemon never reads half a file. Returns the names
 * written.
 */
export function writePlan(portsDir: string, plan: Plan): string[] {
  const written: string[] = [];
  for (const s of plan.services) {
    if (s.action !== "create" && s.action !== "overwrite") continue;
    const dir = join(portsDir, s.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "config.json");
    const tmp = join(dir, ".config.json.tmp");
    writeFileSync(tmp, JSON.stringify(s.config, null, 2) + "\n");
    const checked = parseServiceFile(tmp, dir);
    if (Array.isArray(checked)) throw new McpdError("import", `the config made for ${s.name} does not validate (a bug in mcpd import): ${checked.join("; ")}`);
    renameSync(tmp, file);
    written.push(s.name);
  }
  return written;
}
