import type { Command } from "commander";
import { CATALOG } from "../catalog/entries.ts";
import { isInstalled } from "../catalog/install.ts";
import { loadRegistry } from "../registry/load.ts";
import type { Service } from "../registry/schema.ts";
import { pathsOf, printJson, formatTable } from "./output.ts";

/** The stable `--json` shape of one service (documented in the README). */
export function describeService(s: Service) {
  return {
    name: s.name,
    title: s.title ?? s.name,
    prefix: s.prefix,
    port: s.port,
    transport: s.transport,
    path: s.mcpPath,
    start: s.start,
    run: "builtin" in s.run ? { builtin: s.run.builtin } : "url" in s.run ? { url: s.run.url } : { command: s.run.command },
    credential: s.credential ? { label: s.credential.label, validate: s.credential.validate ? ("local" in s.credential.validate ? "local" : "http") : "none" } : null,
    config: s.file,
  };
}

export function registerServices(program: Command): void {
  program
    .command("services")
    .description("list the service registry (mcp-ports/*/config.json)")
    .option("--json", "machine-readable output")
    .option("--check", "exit non-zero while any config is broken (for CI and scripts)")
    .action((opts: { json?: boolean; check?: boolean }, cmd: Command) => {
      const registry = loadRegistry(pathsOf(cmd).portsDir);
      const rows = registry.services.map(describeService);
      // A broken folder is a row too: `invalid`, with each problem naming file and field.
      const broken = registry.invalid.map((i) => ({ name: i.name, invalid: true, config: i.file, problems: i.problems }));
      if (opts.json) printJson([...rows, ...broken]);
      else {
        // A catalog service whose package is not in its folder cannot start yet: say what to run.
        const needs = (name: string) => {
          const e = CATALOG[name];
          const s = registry.get(name);
          return e && s && !isInstalled(s.dir, e) ? `  (needs: mcpd install ${name})` : "";
        };
        const runOf = (r: (typeof rows)[number]) => ("builtin" in r.run ? `builtin:${r.run.builtin}` : "url" in r.run ? `remote:${r.run.url}` : r.run.command.join(" "));
        process.stdout.write(
          formatTable(
            ["NAME", "PREFIX", "PORT", "TRANSPORT", "START", "RUN"],
            [...rows.map((r) => [r.name, r.prefix, r.port || "-", r.transport, r.start, runOf(r) + needs(r.name)]), ...broken.map((b) => [b.name, "-", "-", "-", "invalid", b.problems.join("; ")])],
          ),
        );
        const available = Object.keys(CATALOG).filter((n) => !registry.get(n) && !broken.some((b) => b.name === n));
        if (available.length) process.stdout.write(`\nin the starter catalog, not added yet (mcpd install NAME): ${available.join(", ")}\n`);
      }
      if (opts.check && broken.length) {
        process.stderr.write(`mcpd: ${broken.length} service config${broken.length === 1 ? " is" : "s are"} broken: ${broken.map((b) => b.name).join(", ")}\n`);
        process.exitCode = 1;
      }
    });
}
