import { existsSync, readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import type { Command } from "commander";
import type { ReloadResult } from "../control/server.ts";
import { scanExisting, writePlan } from "../importer/files.ts";
import { parseImportFile } from "../importer/parse.ts";
import { IMPORT_PORTS, planImport, type Plan } from "../importer/plan.ts";
import { portProblem } from "../supervisor/ports.ts";
import { McpdError } from "../util/errors.ts";
import { formatTable, pathsOf, printJson } from "./output.ts";
import { reloadIfRunning } from "./reload.ts";

type Opts = { dryRun?: boolean; json?: boolean; secret: string[]; shared: string[]; force?: boolean };
const many = (v: string, all: string[]) => [...all, v];

/** Ports in the import range that no config names and nothing on this machine listens on, enough for `n` services. */
async function freePorts(taken: Set<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let p = IMPORT_PORTS.from; p <= IMPORT_PORTS.to && out.length < n; p++) {
    if (!taken.has(p) && (await portProblem(p)) === null) out.push(p);
  }
  return out;
}

/** The stable `--json` shape of `mcpd import` (documented in the README). */
function describePlan(file: string, source: string, plan: Plan, written: string[], reload: ReloadResult | { error: string } | null, dryRun: boolean) {
  return {
    file,
    source,
    dryRun,
    services: plan.services.map((s) => ({
      name: s.name,
      from: s.from,
      action: s.action,
      reason: s.reason ?? null,
      mode: s.mode,
      port: s.port,
      prefix: s.prefix,
      fields: s.fields,
      fixed: s.fixed,
      notes: s.notes,
    })),
    skipped: plan.skipped,
    written,
    reload,
  };
}

export function registerImport(program: Command): void {
  program
    .command("import <file>")
    .description("turn an MCP config (mcpServers, VS Code servers, a registry server.json) into mcp-ports/<name>/config.json")
    .option("--dry-run", "print the plan, write nothing")
    .option("--json", "machine-readable output")
    .option("--secret <name>", "treat this variable/header as each user's own value (repeatable)", many, [] as string[])
    .option("--shared <name>", "keep this variable/header as the file gives it, for everyone (repeatable)", many, [] as string[])
    .option("--force", "overwrite services under mcp-ports that differ from the import")
    .action(async (file: string, opts: Opts, cmd: Command) => {
      const paths = pathsOf(cmd);
      if (!existsSync(file)) throw new McpdError("usage", `${file}: no such file`);
      const parsed = parseImportFile(basename(file), readFileSync(file, "utf8"));
      if (!parsed.ok) throw new McpdError("import-malformed", parsed.problem);
      const existing = scanExisting(paths.portsDir);
      const taken = new Set(existing.map((e) => e.port).filter((p): p is number => p !== undefined));
      const ports = await freePorts(taken, parsed.entries.length);
      const plan = planImport({ entries: parsed.entries, existing, freePorts: ports, secret: opts.secret, shared: opts.shared, force: opts.force });
      const written = opts.dryRun ? [] : writePlan(paths.portsDir, plan);
      // A running daemon serves new folders once asked; nothing watches the folder on its own.
      const reload = written.length ? await reloadIfRunning(paths.controlSocket) : null;
      const out = describePlan(file, parsed.source, plan, written, reload, opts.dryRun === true);
      if (opts.json) return printJson(out);
      printPlan(out, relative(process.cwd(), paths.portsDir) || paths.portsDir);
      if (plan.services.some((s) => s.action === "conflict")) process.exitCode = 1;
    });
}

function printPlan(d: ReturnType<typeof describePlan>, portsDir: string): void {
  const verb = { create: d.dryRun ? "would create" : "created", overwrite: d.dryRun ? "would overwrite" : "overwrote", unchanged: "unchanged", conflict: "not written" };
  const rows = d.services.map((s) => [
    s.name,
    verb[s.action],
    s.port,
    s.prefix,
    s.mode,
    s.fields.length ? s.fields.map((f) => `${f.field}${f.secret ? " (secret)" : ""}`).join(", ") : "-",
  ]);
  let text = `${d.file} (${d.source}): ${d.services.length} service${d.services.length === 1 ? "" : "s"}, ${d.skipped.length} not imported\n`;
  if (rows.length) text += formatTable(["SERVICE", "ACTION", "PORT", "PREFIX", "MODE", "USER FIELDS"], rows);
  for (const s of d.services) {
    if (s.reason) text += `  ${s.name}: ${s.reason}\n`;
    for (const n of s.notes) text += `  ${s.name}: ${n}\n`;
  }
  for (const s of d.skipped) text += `  not imported: ${s.from} (${s.where}): ${s.reason}\n`;
  if (d.dryRun) text += `dry run: nothing written to ${portsDir}\n`;
  else if (!d.written.length) text += `nothing written to ${portsDir}\n`;
  else {
    text += `wrote ${d.written.map((n) => `${portsDir}/${n}/config.json`).join(", ")}\n`;
    if (d.reload === null) text += "no mcpd is running on this data dir: mcpd start serves them\n";
    else if ("error" in d.reload) text += `the running mcpd did not take them: ${d.reload.error}\n`;
    else text += `the running mcpd now serves ${d.reload.added.join(", ") || "nothing new"}\n`;
    const perUser = d.services.find((s) => s.fields.length && d.written.includes(s.name));
    if (perUser) text += `next: mcpd user add --service ${perUser.name} --user <id>\n`;
  }
  process.stdout.write(text);
}
