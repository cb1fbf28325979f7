import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import type { DaemonStatus, ServiceStatus } from "../control/types.ts";
import { countHealthy } from "../tui/sort.ts";
import { formatTable, pathsOf, printJson } from "./output.ts";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("state of the running daemon and each service")
    .option("--json", "machine-readable output (the DaemonStatus shape in the README)")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const status = await connectControl(pathsOf(cmd).controlSocket).status();
      if (opts.json) return printJson(status);
      process.stdout.write(formatStatus(status, Date.now()));
    });
}

export function formatStatus(s: DaemonStatus, now: number): string {
  const healthy = countHealthy(s.services);
  const head =
    `mcpd ${s.version} (pid ${s.pid}) at ${s.proxyUrl}, up ${duration(now - s.startedAt)}; ` +
    `${healthy}/${s.services.length} services healthy, ${s.users} users, ${s.instances} instances, ${rate(s.requestsPerSec)} req/s\n`;
  const rows = s.services.map((x: ServiceStatus) => [
    x.name,
    x.state + (x.crashLoop ? " (crash loop)" : ""),
    x.pid ?? (x.children ? `${x.children.live} proc` : "-"),
    // A stdio service listens nowhere (its children talk over pipes), nor does a remote one.
    x.transport === "stdio" || x.port === 0 ? "-" : x.port,
    x.startedAt ? duration(now - x.startedAt) : "-",
    x.restarts,
    x.users,
    rate(x.metrics.requestsPerSec),
    `${Math.round(x.metrics.errorRate * 100)}%`,
    ms(x.metrics.p50Ms),
    ms(x.metrics.p99Ms),
    x.lastError ?? x.lastExit ?? "-",
  ]);
  return head + formatTable(["SERVICE", "STATE", "PID", "PORT", "UPTIME", "RESTARTS", "USERS", "REQ/S", "ERR", "P50", "P99", "LAST EXIT"], rows);
}

const rate = (r: number) => (r >= 10 ? String(Math.round(r)) : String(Math.round(r * 10) / 10));
const ms = (v: number | null) => (v === null ? "-" : v < 10 ? `${Math.round(v * 10) / 10}ms` : `${Math.round(v)}ms`);

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
