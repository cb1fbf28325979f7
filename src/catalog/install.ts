import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { McpdError } from "../util/errors.ts";
import { CATALOG, installedMarker, type CatalogEntry } from "./entries.ts";

export function catalogEntry(name: string): CatalogEntry {
  const e = CATALOG[name];
  if (!e) throw new McpdError("unknown-service", `no "${name}" in the catalog (it has: ${Object.keys(CATALOG).join(", ")})`);
  return e;
}

/** Whether a catalog service's package is in its folder: what `mcpd services` shows. */
export function isInstalled(dir: string, e: CatalogEntry): boolean {
  return existsSync(join(dir, installedMarker(e)));
}

export interface InstallResult {
  name: string;
  dir: string;
  package: string;
  /** config.json: written now, already the catalog's, or kept as the owner changed it */
  config: "written" | "unchanged" | "kept";
}

/**
 * Writes the catalog's config.json into `<portsDir>/<name>` (a different one already there
 * is kept unless `force`) and installs its npm package in that folder with the machine's
 * npm, its output going to stderr. The package is pinned to the catalog's version.
 */
export async function installFromCatalog(portsDir: string, name: string, opts: { force?: boolean; npm?: string } = {}): Promise<InstallResult> {
  const e = catalogEntry(name);
  const dir = join(portsDir, name);
  const file = join(dir, "config.json");
  mkdirSync(dir, { recursive: true });
  let config: InstallResult["config"] = "written";
  if (existsSync(file)) {
    let current: unknown = null;
    try {
      current = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // unreadable: treated as different
    }
    config = isDeepStrictEqual(current, e.config) ? "unchanged" : opts.force ? "written" : "kept";
  }
  if (config === "written") writeFileSync(file, JSON.stringify(e.config, null, 2) + "\n");
  const spec = `${e.npm.name}@${e.npm.version}`;
  const npm = opts.npm ?? Bun.which("npm");
  if (!npm) throw new McpdError("npm-missing", `npm is not on PATH: install Node.js and npm, then run mcpd install ${name} again (config.json is written)`);
  // npm's own output goes to stderr: stdout is this command's answer (--json).
  const proc = Bun.spawn([npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--omit=dev", "--no-save", spec], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
  for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) process.stderr.write(chunk);
  const code = await proc.exited;
  if (code !== 0 || !isInstalled(dir, e)) throw new McpdError("install-failed", `npm install ${spec} in ${dir} failed (exit ${code}); its output is above`);
  return { name, dir, package: spec, config };
}
