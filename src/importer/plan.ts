import { isDeepStrictEqual } from "node:util";
import { looksPlaceholder, looksSecretName } from "./guess.ts";
import { fieldNameOf, serviceNameOf, uniqueName, uniquePrefix } from "./names.ts";
import type { ImportEntry, ImportValue } from "./parse.ts";

/** Static ports given to imported services: the range mcpd's own services come from. */
export const IMPORT_PORTS = { from: 49160, to: 49999 } as const;

/** A service folder already under mcp-ports: what an import must not collide with or overwrite. */
export interface ExistingService {
  name: string;
  prefix?: string;
  port?: number;
  /** its config.json as JSON; undefined when missing or unreadable */
  config?: unknown;
}

export interface PlanInput {
  entries: ImportEntry[];
  existing: ExistingService[];
  /** ports in IMPORT_PORTS no existing service uses and nothing listens on, in order */
  freePorts: number[];
  /** `--secret NAME`: these variables/headers become credential fields */
  secret?: string[];
  /** `--shared NAME`: these stay fixed, with the file's value */
  shared?: string[];
  force?: boolean;
}

export interface PlannedField {
  field: string;
  /** the variable or header it fills */
  from: string;
  secret: boolean;
}

export interface PlannedService {
  name: string;
  /** the server's name in the file */
  from: string;
  action: "create" | "unchanged" | "overwrite" | "conflict";
  /** why a conflict is not written */
  reason?: string;
  mode: "per-user" | "shared" | "remote";
  port: number;
  prefix: string;
  fields: PlannedField[];
  /** variables/headers kept as they are in the file */
  fixed: string[];
  notes: string[];
  config: Record<string, unknown>;
}

export interface Plan {
  services: PlannedService[];
  /** servers in the file that are not imported, each with the reason */
  skipped: Array<{ from: string; where: string; reason: string }>;
}

type Mapped = { ok: true; body: Omit<Record<string, unknown>, "name" | "prefix" | "port">; mode: PlannedService["mode"]; fields: PlannedField[]; fixed: string[]; notes: string[] } | { ok: false; reason: string };

/**
 * The configs an import would write, and what happens to each: pure, so `--dry-run`
 * prints exactly what a real run writes. A service already under mcp-ports keeps its
 * port and prefix, so importing the same file again plans the same configs and
 * changes nothing.
 */
export function planImport(input: PlanInput): Plan {
  const existing = new Map(input.existing.map((e) => [e.name, e]));
  const prefixes = new Set(input.existing.map((e) => e.prefix).filter((p): p is string => !!p));
  const ports = [...input.freePorts];
  const names = new Set<string>();
  const plan: Plan = { services: [], skipped: [] };
  const overrides = { secret: new Set(input.secret ?? []), shared: new Set(input.shared ?? []) };

  for (const entry of input.entries) {
    if (entry.kind === "unmappable") {
      plan.skipped.push({ from: entry.key, where: entry.where, reason: entry.reason });
      continue;
    }
    const mapped = entry.kind === "stdio" ? mapStdio(entry, overrides) : mapRemote(entry, overrides);
    if (!mapped.ok) {
      plan.skipped.push({ from: entry.key, where: entry.where, reason: mapped.reason });
      continue;
    }
    const name = uniqueName(serviceNameOf(entry.key), names);
    names.add(name);
    const old = existing.get(name);
    const prefix = old?.prefix ?? uniquePrefix(name, prefixes);
    // A remote server listens nowhere here: no port to take.
    let port = mapped.mode === "remote" ? 0 : old?.port;
    if (port === undefined) {
      port = ports.shift();
      if (port === undefined) {
        plan.skipped.push({ from: entry.key, where: entry.where, reason: `no free port left in ${IMPORT_PORTS.from}–${IMPORT_PORTS.to}` });
        continue;
      }
    }
    prefixes.add(prefix);
    const config = { name, title: entry.title ?? entry.key, ...(entry.description ? { description: entry.description } : {}), prefix, ...(port ? { port } : {}), ...mapped.body };
    let action: PlannedService["action"] = "create";
    let reason: string | undefined;
    if (old) {
      if (isDeepStrictEqual(old.config, config)) action = "unchanged";
      else if (input.force) action = "overwrite";
      else {
        action = "conflict";
        reason = old.config === undefined ? `mcp-ports/${name} exists without a readable config.json; --force replaces it` : `mcp-ports/${name} exists and differs; --force overwrites it`;
      }
    }
    plan.services.push({ name, from: entry.key, action, reason, mode: mapped.mode, port, prefix, fields: mapped.fields, fixed: mapped.fixed, notes: [...entry.notes, ...mapped.notes], config });
  }
  return plan;
}

type Overrides = { secret: Set<string>; shared: Set<string> };

/** Splits the file's variables into per-user fields and fixed values. */
function splitValues(values: ImportValue[], o: Overrides, what: string) {
  const fields: PlannedField[] = [];
  const labels: Record<string, string> = {};
  const fixed: Array<[string, string]> = [];
  const notes: string[] = [];
  const usedFields = new Set<string>();
  for (const v of values) {
    const forcedSecret = o.secret.has(v.name);
    const forcedShared = o.shared.has(v.name) && !forcedSecret;
    if (forcedShared) {
      fixed.push([v.name, v.value ?? ""]);
      continue;
    }
    if (v.value === undefined && v.required === false && !forcedSecret) {
      notes.push(`${what} ${v.name} is optional and the file gives no value: left out`);
      continue;
    }
    const perUser = forcedSecret || v.secret === true || looksSecretName(v.name) || v.value === undefined || looksPlaceholder(v.value);
    if (!perUser) {
      fixed.push([v.name, v.value!]);
      continue;
    }
    const field = uniqueName(fieldNameOf(v.name), usedFields).replaceAll("-", "_");
    usedFields.add(field);
    const secret = forcedSecret || (v.secret ?? looksSecretName(v.name));
    fields.push({ field, from: v.name, secret });
    labels[field] = v.description ?? v.name;
    if (v.value !== undefined && !looksPlaceholder(v.value)) notes.push(`the value of ${v.name} in the file is not copied: each user gives their own`);
  }
  return { fields, labels, fixed, notes };
}

function credentialOf(title: string, fields: PlannedField[], labels: Record<string, string>, extra: Record<string, unknown>) {
  return {
    label: title,
    fields: Object.fromEntries(fields.map((f) => [f.field, { label: labels[f.field]!, secret: f.secret }])),
    ...extra,
    validate: { local: "non-empty" },
  };
}

function mapStdio(entry: Extract<ImportEntry, { kind: "stdio" }>, o: Overrides): Mapped {
  const badArg = entry.command.find((a) => looksPlaceholder(a));
  if (badArg !== undefined) {
    return { ok: false, reason: `its arguments hold "${badArg}", which stands for a value each user gives; mcpd passes user values only through environment variables` };
  }
  const { fields, labels, fixed, notes } = splitValues(entry.env, o, "variable");
  const env = Object.fromEntries(fixed);
  const run = { command: entry.command, ...(entry.cwd ? { cwd: entry.cwd } : {}), ...(fixed.length ? { env } : {}) };
  const body: Record<string, unknown> = {
    transport: "stdio",
    mode: fields.length ? "per-user" : "shared",
    start: "on-demand",
    run,
  };
  if (fields.length) {
    body.credential = credentialOf(`${entry.title ?? entry.key} (${fields.map((f) => f.from).join(", ")})`, fields, labels, {
      env: Object.fromEntries(fields.map((f) => [f.from, `{${f.field}}`])),
    });
  }
  return { ok: true, body, mode: fields.length ? "per-user" : "shared", fields, fixed: fixed.map(([k]) => k), notes };
}

/**
 * A remote server: `run.url`, and the one header mcpd injects carrying the user's value
 * (`Authorization: Bearer ${TOKEN}` keeps its `Bearer `). A remote that needs two headers,
 * or a fixed header mcpd cannot add, is named with the reason instead.
 */
function mapRemote(entry: Extract<ImportEntry, { kind: "remote" }>, o: Overrides): Mapped {
  const { fields, labels, fixed, notes } = splitValues(entry.headers, o, "header");
  if (fixed.length) return { ok: false, reason: `its header ${fixed.map(([k]) => k).join(", ")} has a fixed value, and mcpd sends a remote server only the user's own header` };
  if (fields.length > 1) return { ok: false, reason: `it needs ${fields.length} headers (${fields.map((f) => f.from).join(", ")}); mcpd injects one per service` };
  const body: Record<string, unknown> = { transport: entry.transport, run: { url: entry.url } };
  const f = fields[0];
  if (f) {
    const value = entry.headers.find((h) => h.name === f.from)?.value ?? "";
    // The placeholder becomes the field; what is around it (`Bearer `) stays.
    const format = /\$\{[^}]+\}/.test(value) ? value.replace(/\$\{[^}]+\}/, `{${f.field}}`) : `{${f.field}}`;
    body.credential = credentialOf(`${entry.title ?? entry.key} (${f.from})`, fields, labels, { inject: { header: f.from, format } });
  }
  return { ok: true, body, mode: "remote", fields, fixed: [], notes };
}
