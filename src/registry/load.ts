import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { ServiceConfig, type Service } from "./schema.ts";
import { McpdError } from "../util/errors.ts";

export class ConfigError extends McpdError {
  constructor(readonly problems: string[]) {
    super("config", problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface Registry {
  portsDir: string;
  services: Service[];
  /** folders whose config.json is broken or clashes with another: listed, never served */
  invalid: InvalidService[];
  get(name: string): Service | undefined;
}

/** A service folder that is not served, and why, each problem naming the file and the field. */
export interface InvalidService {
  /** the folder's name (the config's own name may be what is broken) */
  name: string;
  file: string;
  problems: string[];
}

/** Shown paths are relative to the working directory when that is shorter. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** Parses one config.json, or returns the problems, each naming the file and the field. */
export function parseServiceFile(file: string, dir: string): Service | string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return [`${shown(file)}: not valid JSON: ${(e as Error).message}`];
  }
  const parsed = ServiceConfig.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => {
      const field = i.path.length ? i.path.join(".") : "(top level)";
      const msg = i.code === "unrecognized_keys" ? `unknown field ${i.keys.map((k) => `"${k}"`).join(", ")}` : i.message;
      return `${shown(file)}: ${field}: ${msg}`;
    });
  }
  const c = parsed.data;
  // A remote service's endpoint is its URL's path, so instance URLs end as the server's do.
  const remotePath = "url" in c.run ? new URL(c.run.url).pathname : null;
  const mcpPath = c.path ?? (remotePath && remotePath !== "/" ? remotePath : c.transport === "sse" ? "/sse" : "/mcp");
  return { ...c, port: c.port ?? 0, dir, file, mcpPath };
}

/**
 * Loads every `<portsDir>/<service>/config.json`. `portOffset` moves every service's
 * static port by the same amount, so several mcpd nodes on one machine (a cluster tried
 * out on a laptop, or two nodes sharing a host) each run their services on their own ports
 * from the same configs; everything downstream (supervisor, health probes, proxy) sees
 * only the moved port. A broken file, or one whose name, prefix or port clashes with a
 * folder before it, makes that one service invalid (listed with its problems by
 * `services`, `status` and the TUI; `services --check` fails) and no other: with 373
 * folders, one typo must not hold the fleet hostage, nor be dropped in silence.
 */
export function loadRegistry(portsDir: string, opts: { portOffset?: number } = {}): LoadedRegistry {
  const offset = opts.portOffset ?? 0;
  if (!existsSync(portsDir) || !statSync(portsDir).isDirectory()) {
    throw new ConfigError([`${shown(portsDir)}: no such folder of service configs (set --ports or MCPD_PORTS)`]);
  }
  const invalid: InvalidService[] = [];
  const services: Service[] = [];
  for (const entry of readdirSync(portsDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = join(portsDir, entry.name);
    const file = join(dir, "config.json");
    if (!existsSync(file)) continue;
    const result = parseServiceFile(file, dir);
    const bad = (problems: string[]) => invalid.push({ name: entry.name, file, problems });
    if (Array.isArray(result)) bad(result);
    else if (result.port !== 0 && result.port + offset > 65535) bad([`${shown(file)}: port: ${result.port} + port offset ${offset} = ${result.port + offset} is above 65535; use a smaller --port-offset`]);
    else {
      const service = offset && result.port !== 0 ? { ...result, port: result.port + offset } : result;
      const clash = clashOf(service, services);
      if (clash) bad([clash]);
      else services.push(service);
    }
  }
  const byName = new Map(services.map((s) => [s.name, s]));
  return {
    portsDir,
    services,
    invalid,
    get: (name) => byName.get(name),
    add(service) {
      services.push(service);
      byName.set(service.name, service);
    },
  };
}

/** The daemon's registry: `mcpd reload` adds the services of new folders to it while it runs. */
export interface LoadedRegistry extends Registry {
  add(service: Service): void;
}

export interface RegistryChanges {
  /** in the folder now, not in the running registry */
  added: Service[];
  /** config.json differs from what the daemon runs (applied at the next start) */
  changed: string[];
  /** the daemon runs it; its folder is gone (it keeps running until the next start) */
  removed: string[];
}

/** What a fresh load of the ports dir has that the running registry does not. */
export function diffRegistry(running: Registry, fresh: Registry): RegistryChanges {
  const added: Service[] = [];
  const changed: string[] = [];
  for (const s of fresh.services) {
    const old = running.get(s.name);
    if (!old) added.push(s);
    else if (JSON.stringify(old) !== JSON.stringify(s)) changed.push(s.name);
  }
  const removed = running.services.filter((s) => !fresh.get(s.name)).map((s) => s.name);
  return { added, changed, removed };
}

/** Why `s` cannot be served beside the services loaded before it, or null. */
function clashOf(s: Service, before: Service[]): string | null {
  for (const field of ["name", "prefix", "port"] as const) {
    if (field === "port" && s.port === 0) continue; // remote services listen nowhere
    const first = before.find((b) => b[field] === s[field]);
    if (first) return `${shown(s.file)}: ${field}: ${s[field]} is already used by service "${first.name}" (${shown(first.file)})`;
  }
  return null;
}

