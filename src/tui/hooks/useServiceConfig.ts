import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { useMemo } from "react";
import { parseServiceFile } from "../../registry/load.ts";
import type { Service } from "../../registry/schema.ts";
import { configSummary } from "../configSummary.ts";

/**
 * The config summary of `service`, read from its config.json under the daemon's ports
 * dir (the view runs beside the daemon: the control socket is a local file). Read
 * each time the detail pane opens; null when the file cannot be found or read, and
 * the pane then shows only what the daemon reports.
 */
export function useServiceConfig(portsDir: string | null | undefined, service: string | null): string[] | null {
  return useMemo(() => {
    if (!portsDir || !service) return null;
    const config = findServiceConfig(portsDir, service);
    return config ? configSummary(config) : null;
  }, [portsDir, service]);
}

/** `<portsDir>/<name>/config.json` when that is the service's, else the folder whose config names it. */
export function findServiceConfig(portsDir: string, name: string): Service | null {
  const read = (dir: string): Service | null => {
    const file = join(dir, "config.json");
    if (!existsSync(file)) return null;
    try {
      const parsed = parseServiceFile(file, dir);
      return Array.isArray(parsed) || parsed.name !== name ? null : parsed;
    } catch {
      return null;
    }
  };
  const direct = read(join(portsDir, name));
  if (direct) return direct;
  try {
    for (const entry of readdirSync(portsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === name || entry.name.startsWith(".")) continue;
      const found = read(join(portsDir, entry.name));
      if (found) return found;
    }
  } catch {
    // The ports dir is gone or unreadable from here.
  }
  return null;
}
