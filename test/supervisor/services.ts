// Builds mcp-ports dirs of testservice fixtures for supervisor and daemon tests.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Registry } from "../../src/registry/load.ts";
import { loadRegistry } from "../../src/registry/load.ts";

export const TESTSERVICE = join(import.meta.dir, "../fixtures/testservice.ts");

export interface TestServiceSpec {
  name: string;
  port: number;
  args?: string[];
  start?: "boot" | "on-demand";
  idleStopMs?: number;
  health?: { path?: string; intervalMs?: number; timeoutMs?: number };
  env?: Record<string, string>;
}

let prefixes = 0;

/** Writes one config.json per spec (run.command = bun testservice.ts --port {port} …) and loads them. */
export function writeTestPorts(portsDir: string, specs: TestServiceSpec[]): Registry {
  for (const s of specs) {
    mkdirSync(join(portsDir, s.name), { recursive: true });
    const config = {
      name: s.name,
      prefix: `t${String.fromCharCode(97 + (prefixes++ % 26))}${String.fromCharCode(97 + (Math.floor(prefixes / 26) % 26))}`,
      port: s.port,
      run: { command: [process.execPath, TESTSERVICE, "--port", "{port}", ...(s.args ?? [])], env: s.env ?? {} },
      start: s.start ?? "boot",
      ...(s.idleStopMs ? { idleStopMs: s.idleStopMs } : {}),
      health: { path: "/health", intervalMs: 200, timeoutMs: 500, ...s.health },
    };
    writeFileSync(join(portsDir, s.name, "config.json"), JSON.stringify(config, null, 2));
  }
  return loadRegistry(portsDir);
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Every pid whose command line mentions `needle` (the process table, read from /proc). */
export function pidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of require("node:fs").readdirSync("/proc") as string[]) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes(needle) && processAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
