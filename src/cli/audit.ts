import { existsSync } from "node:fs";
import type { Command } from "commander";
import { knownUserId } from "../accounts/userId.ts";
import { openStore, type AuditEntry } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { formatTable, pathsOf, printJson } from "./output.ts";

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (90s, 30m, 1h, 7d) or an ISO time (2026-11-24T07:00:00Z). */
export function parseSince(text: string, now: number): number {
  const rel = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new McpdError("usage", `--since ${text}: give a duration like 30m, 1h, 7d or an ISO time like 2026-11-24T07:00:00Z`);
  return t;
}

/** The stable `--json` shape of one audit row (documented in the README). */
export function describeAuditRow(r: AuditEntry) {
  return {
    ts: new Date(r.ts).toISOString(),
    user: r.userId,
    service: r.service,
    instance: r.instance,
    method: r.method,
    tool: r.tool,
    status: r.status,
    latencyMs: r.latencyMs,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    event: r.event,
  };
}

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("show proxied requests, newest first (never keys or bodies)")
    .option("--user <id>", "only this user")
    .option("--service <name>", "only this service")
    .option("--since <time>", "only since then: 30m, 1h, 7d or an ISO time")
    .option("--limit <n>", "at most this many rows", "100")
    .option("--json", "machine-readable output")
    .action((opts: { user?: string; service?: string; since?: string; limit: string; json?: boolean }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new McpdError("usage", `--limit ${opts.limit}: give a whole number of rows, 1 or more`);
      const sinceMs = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
      const { dbFile } = pathsOf(cmd);
      if (!existsSync(dbFile)) throw new McpdError("no-data", `${dbFile}: no mcpd database yet (nothing has been proxied)`);
      const store = openStore(dbFile);
      let rows: AuditEntry[];
      try {
        // The stored spelling: user ids ignore case (a removed user's rows keep the spelling given).
        const userId = opts.user === undefined ? undefined : (knownUserId(store, opts.user) ?? opts.user);
        rows = store.audit.query({ userId, service: opts.service, sinceMs, limit });
      } finally {
        store.close();
      }
      const out = rows.map(describeAuditRow);
      if (opts.json) return printJson(out);
      const dash = (v: string | null) => v ?? "-";
      process.stdout.write(
        formatTable(
          ["TIME", "USER", "SERVICE", "INSTANCE", "METHOD", "TOOL", "STATUS", "MS", "IN", "OUT", "EVENT"],
          out.map((r) => [r.ts, dash(r.user), dash(r.service), dash(r.instance), dash(r.method), dash(r.tool), r.status, r.latencyMs, r.bytesIn, r.bytesOut, dash(r.event)]),
        ),
      );
    });
}
