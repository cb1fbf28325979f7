import { existsSync } from "node:fs";
import type { Command } from "commander";
import { instanceUrl } from "../accounts/instanceUrl.ts";
import { rotateInstance, type InstanceTarget } from "../accounts/rotateInstance.ts";
import { loadRegistry } from "../registry/load.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf, printJson } from "./output.ts";
import { printedUrlBase } from "./printedUrl.ts";
import { changeStore } from "./withStore.ts";
import { toolsOption } from "./toolsOption.ts";
import { CLIENTS, clientOption, connectBlock } from "./clientSnippets.ts";
import { setInstanceTools } from "../accounts/setInstanceTools.ts";

export function registerInstance(program: Command): void {
  const instance = program.command("instance").description("manage instance URLs");
  instance
    .command("rotate [id-or-ref]")
    .description("give an instance a new URL; the old one stops working at once")
    .option("--user <id>", "with --service: the user's live instance on that service")
    .option("--service <name>", "with --user")
    .option("--host <host>", "proxy host in the printed URL (default: mcpd start --public-url, else the running daemon's address)")
    .option("--port <port>", "proxy port in the printed URL (default: as for --host)")
    .option("--client <name>", `after the URL, how to connect only this client (${CLIENTS.join(", ")}); default: all of them`)
    .option("--json", "machine-readable output")
    .action(async (idOrRef: string | undefined, opts: { user?: string; service?: string; host?: string; port?: string; client?: string; json?: boolean }, cmd: Command) => {
      const target = targetOf(idOrRef, opts);
      const client = clientOption(opts.client);
      const paths = pathsOf(cmd);
      const registry = loadRegistry(paths.portsDir);
      if (!existsSync(paths.dbFile)) throw new McpdError("unknown-instance", `no instances yet (no mcpd database at ${paths.dbFile})`);
      const r = await changeStore(paths, (store) => rotateInstance(store, registry, target));
      const url = instanceUrl(await printedUrlBase(paths, opts), r.instanceId, registry.get(r.service)!);
      if (opts.json) return printJson({ user: r.userId, service: r.service, oldRef: r.oldRef, ref: r.ref, instanceId: r.instanceId, url });
      process.stdout.write(`${r.oldRef} is revoked. New instance URL for ${r.userId} on ${r.service} (ref ${r.ref}), shown once:\n  ${url}\n${connectBlock(r.service, url, client)}`);
    });

  instance
    .command("tools [id-or-ref]")
    .description("change which tools an instance URL may call; the URL stays the same, the daemon applies it from the next request")
    .option("--user <id>", "with --service: the user's live instance on that service")
    .option("--service <name>", "with --user")
    .option("--allow <globs>", "only these tools (comma-separated names or globs, e.g. 'get_*,list_*')")
    .option("--read-only", "only tools the service marks read-only (readOnlyHint); with --allow, tools that are both")
    .option("--all", "every tool again")
    .option("--json", "machine-readable output")
    .action(async (idOrRef: string | undefined, opts: { user?: string; service?: string; allow?: string; readOnly?: boolean; all?: boolean; json?: boolean }, cmd: Command) => {
      const target = targetOf(idOrRef, opts);
      const policy = toolsOption(opts);
      if (policy === undefined) throw new McpdError("usage", "say what the URL may call: --allow GLOBS, --read-only, or --all");
      const paths = pathsOf(cmd);
      if (!existsSync(paths.dbFile)) throw new McpdError("unknown-instance", `no instances yet (no mcpd database at ${paths.dbFile})`);
      const r = await changeStore(paths, (store) => setInstanceTools(store, target, policy));
      if (opts.json) return printJson({ user: r.userId, service: r.service, ref: r.ref, was: r.was, tools: r.tools });
      process.stdout.write(`${r.ref} (${r.userId} on ${r.service}) may now call: ${r.tools} (was: ${r.was}). Its URL is unchanged.\n`);
    });
}

function targetOf(idOrRef: string | undefined, opts: { user?: string; service?: string }): InstanceTarget {
  const target: InstanceTarget | null = idOrRef ? { idOrRef } : opts.user && opts.service ? { userId: opts.user, service: opts.service } : null;
  if (!target || (idOrRef && (opts.user || opts.service))) {
    throw new McpdError("usage", "give an instance id or ref (see: mcpd user list), or --user and --service, not both");
  }
  return target;
}
