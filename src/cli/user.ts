import { existsSync } from "node:fs";
import type { Command } from "commander";
import { addUser, type AddUserResult } from "../accounts/onboard.ts";
import { instanceUrl } from "../accounts/instanceUrl.ts";
import { listAccounts, type AccountRow } from "../accounts/listAccounts.ts";
import { removeUser, type RemoveUserResult } from "../accounts/removeUser.ts";
import { checkUserId, defaultUserId } from "../accounts/userId.ts";
import { loadRegistry, type Registry, ConfigError } from "../registry/load.ts";
import type { Service } from "../registry/schema.ts";
import { McpdError } from "../util/errors.ts";
import { toolsOption } from "./toolsOption.ts";
import { CLIENTS, clientOption, connectBlock, type ClientName } from "./clientSnippets.ts";
import { formatTable, pathsOf, printJson } from "./output.ts";
import { printedUrlBase } from "./printedUrl.ts";
import { readCredential } from "./readKey.ts";
import { changeStore, withStore } from "./withStore.ts";

export function serviceNamed(registry: Registry, name: string): Service {
  const s = registry.get(name);
  const broken = registry.invalid.find((i) => i.name === name);
  if (!s && broken) throw new ConfigError(broken.problems);
  if (!s) {
    const known = registry.services.map((x) => x.name).join(", ") || "none";
    throw new McpdError("unknown-service", `no service "${name}" in ${registry.portsDir} (configured: ${known})`);
  }
  return s;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The stable `--json` shape of `user add` (documented in the README). */
export function describeAdded(r: AddUserResult, service: Service, base: string) {
  return {
    user: r.userId,
    service: r.service,
    ref: r.ref,
    instanceId: r.instanceId,
    url: r.instanceId ? instanceUrl(base, r.instanceId, service) : null,
    instance: r.instance,
    key: r.key,
    fingerprint: r.fingerprint,
    validated: r.validated,
    tools: r.tools,
  };
}

/** The stable `--json` shape of one `user list` row (documented in the README). */
export function describeAccount(r: AccountRow) {
  return {
    user: r.userId,
    service: r.service,
    ref: r.ref,
    fingerprint: r.fingerprint,
    created: iso(r.createdAt),
    keyUpdated: iso(r.keyUpdatedAt),
    suspended: r.suspended,
    tools: r.tools,
  };
}

export function describeRemoved(r: RemoveUserResult) {
  return { user: r.userId, services: r.services, revokedInstances: r.revokedInstances, deletedKeys: r.deletedKeys, userRemoved: r.userRemoved };
}

function printAdded(d: ReturnType<typeof describeAdded>, client: ClientName | null): void {
  const checked = { local: "checked locally", http: "accepted by the service's API", none: "no check configured", skipped: "not checked (--no-validate)" }[d.validated];
  const keyLine = (d.key === "none" ? "" : ` Key ${d.key} (fingerprint ${d.fingerprint}, ${checked}).`) + (d.tools === "all tools" ? "" : ` Tools: ${d.tools}.`);
  if (d.url) {
    const what = d.instance === "rotated" ? "New instance URL (the old one no longer works)" : "Instance URL";
    process.stdout.write(
      `${d.user} is on ${d.service}.${keyLine}\n${what}, shown once; it works without a password, so keep it secret:\n  ${d.url}\n` +
        connectBlock(d.service, d.url, client),
    );
  } else {
    process.stdout.write(
      `${d.user} is on ${d.service}.${keyLine}\nTheir instance URL is unchanged (ref ${d.ref}). Lost it? mcpd instance rotate ${d.ref}\n`,
    );
  }
}

export function registerUser(program: Command): void {
  const user = program.command("user").description("onboard, list and remove users");

  user
    .command("add")
    .description("store a user's key for a service (checked with the service's API) and print their instance URL")
    .requiredOption("--service <name>", "the service, as in mcp-ports/<name>/config.json")
    .option("--user <id>", "user id (default: your login name)")
    .option("--key-stdin", "read the key from stdin instead of asking for it (a JSON object of the fields, for a service with several)")
    .option("--field <name=value>", "a non-secret field of the service's credential (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--no-validate", "store the key without checking it with the service's API")
    .option("--rotate", "issue a new instance URL even if the user has one (the old URL stops working)")
    .option("--tools <globs>", "the URL may call only these tools (comma-separated names or globs, e.g. 'get_*,list_*')")
    .option("--read-only", "the URL may call only tools the service marks read-only (readOnlyHint)")
    .option("--all-tools", "the URL may call every tool again (the default for a new URL)")
    .option("--host <host>", "proxy host in the printed URL (default: mcpd start --public-url, else the running daemon's address)")
    .option("--port <port>", "proxy port in the printed URL (default: as for --host)")
    .option("--client <name>", `after the URL, how to connect only this client (${CLIENTS.join(", ")}); default: all of them`)
    .option("--json", "machine-readable output")
    .action(async (opts: { service: string; user?: string; keyStdin?: boolean; field: string[]; validate: boolean; rotate?: boolean; tools?: string; readOnly?: boolean; allTools?: boolean; host?: string; port?: string; client?: string; json?: boolean }, cmd: Command) => {
      const tools = toolsOption(opts);
      const client = clientOption(opts.client);
      const paths = pathsOf(cmd);
      const service = serviceNamed(loadRegistry(paths.portsDir), opts.service);
      const userId = checkUserId(opts.user ?? defaultUserId());
      const secret = service.credential ? await readCredential(service, userId, { fromStdin: opts.keyStdin === true, fields: opts.field }) : null;
      const result = await changeStore(paths, (store) =>
        addUser({ store, keyFile: paths.keyFile }, { userId, service, secret, validate: opts.validate, rotate: opts.rotate, tools }),
      );
      const out = describeAdded(result, service, await printedUrlBase(paths, opts));
      if (opts.json) printJson(out);
      else printAdded(out, client);
    });

  user
    .command("list")
    .description("users and their services: instance ref, key fingerprint (never keys or URLs)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { dbFile, dataDir } = pathsOf(cmd);
      const rows = existsSync(dbFile) ? (await withStore(dbFile, listAccounts)).map(describeAccount) : [];
      if (opts.json) return printJson(rows);
      // Usually the wrong folder, not a new install: "no users yet" would hide that.
      if (!existsSync(dbFile)) return void process.stdout.write(`no mcpd data in ${dataDir} (no mcpd.db): run where mcpd was started, or pass --data DIR / MCPD_DATA\n`);
      if (!rows.length) return void process.stdout.write("no users yet; add one with: mcpd user add --service <name>\n");
      process.stdout.write(
        formatTable(
          ["USER", "SERVICE", "REF", "KEY", "TOOLS", "CREATED", "SUSPENDED"],
          rows.map((r) => [r.user, r.service ?? "-", r.ref ?? "-", r.fingerprint ?? "-", r.tools ?? "-", r.created ?? "-", r.suspended ? "yes" : "no"]),
        ),
      );
    });

  user
    .command("remove <user>")
    .description("revoke a user's instance URLs and delete their keys (all services, or one)")
    .option("--service <name>", "only this service")
    .option("--json", "machine-readable output")
    .action(async (userId: string, opts: { service?: string; json?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const { dbFile } = paths;
      if (!existsSync(dbFile)) throw new McpdError("unknown-user", `no user "${userId}" (no mcpd database at ${dbFile} yet)`);
      const r = describeRemoved(await changeStore(paths, (store) => removeUser(store, userId, { service: opts.service })));
      if (opts.json) return printJson(r);
      const urls = `${r.revokedInstances} instance URL${r.revokedInstances === 1 ? "" : "s"}`;
      process.stdout.write(`Removed ${r.user} from ${r.services.join(", ")}: revoked ${urls}, deleted ${r.deletedKeys} key${r.deletedKeys === 1 ? "" : "s"}.\n`);
    });
}
