/**
 * Reads the configs people already have into one shape, ImportEntry. Three formats:
 * `{"mcpServers": {…}}` (Claude Desktop, Cursor, Windsurf, a project's .mcp.json), VS
 * Code's `{"servers": {…}, "inputs": […]}`, and an MCP Registry `server.json`. A
 * structural mistake is one problem naming the file's entry; something well-formed that
 * mcpd cannot run is an entry of kind "unmappable" with the reason.
 */

export type Source = "mcpServers" | "servers" | "server.json";

/** One environment variable or header as the file gives it. */
export interface ImportValue {
  name: string;
  /** undefined: the file gives no value (server.json without value or default) */
  value?: string;
  /** the file says so (server.json isSecret, a VS Code password input); undefined = guess */
  secret?: boolean;
  /** false: server.json says it may be left out */
  required?: boolean;
  description?: string;
}

export type ImportEntry =
  | { kind: "stdio"; key: string; where: string; title?: string; description?: string; command: string[]; cwd?: string; env: ImportValue[]; notes: string[] }
  | { kind: "remote"; key: string; where: string; title?: string; description?: string; url: string; transport: "streamable-http" | "sse"; headers: ImportValue[]; notes: string[] }
  | { kind: "unmappable"; key: string; where: string; reason: string };

export type ParseResult = { ok: true; source: Source; entries: ImportEntry[] } | { ok: false; problem: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

class Malformed extends Error {}
const fail = (where: string, what: string): never => {
  throw new Malformed(`${where}: ${what}`);
};

/** `file` names the file in the one-line problem. */
export function parseImportFile(file: string, text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `${file}: not valid JSON: ${(e as Error).message}` };
  }
  try {
    if (!isObject(raw)) fail("(top level)", "is not a JSON object");
    const top = raw as Json;
    if ("mcpServers" in top) return { ok: true, source: "mcpServers", entries: parseServers(top.mcpServers, "mcpServers", {}) };
    if ("servers" in top) return { ok: true, source: "servers", entries: parseServers(top.servers, "servers", vscodeInputs(top.inputs)) };
    if ("packages" in top || "remotes" in top) return { ok: true, source: "server.json", entries: [parseServerJson(top)] };
    fail("(top level)", 'has no "mcpServers", "servers", or server.json "packages"/"remotes": not an MCP config this can read');
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, problem: `${file}: ${e.message}` };
    throw e;
  }
  throw new Error("unreachable");
}

/** VS Code `inputs`: which `${input:id}` are passwords. */
function vscodeInputs(inputs: unknown): Record<string, { password: boolean; description?: string }> {
  const out: Record<string, { password: boolean; description?: string }> = {};
  if (!Array.isArray(inputs)) return out;
  for (const i of inputs) {
    if (isObject(i) && typeof i.id === "string") out[i.id] = { password: i.password === true, description: typeof i.description === "string" ? i.description : undefined };
  }
  return out;
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((a) => typeof a === "string")) fail(where, "must be an array of strings");
  return v as string[];
}

function stringMap(v: unknown, where: string): Array<[string, string]> {
  if (v === undefined) return [];
  if (!isObject(v)) fail(where, "must be an object of strings");
  const out: Array<[string, string]> = [];
  for (const [k, val] of Object.entries(v as Json)) {
    if (typeof val !== "string") fail(`${where}.${k}`, "must be a string");
    out.push([k, val as string]);
  }
  return out;
}

function parseServers(servers: unknown, at: string, inputs: ReturnType<typeof vscodeInputs>): ImportEntry[] {
  if (!isObject(servers)) fail(at, "must be an object of servers by name");
  const out: ImportEntry[] = [];
  for (const [key, s] of Object.entries(servers as Json)) {
    const where = `${at}.${key}`;
    if (!isObject(s)) fail(where, "must be an object");
    const e = s as Json;
    if (e.disabled === true) {
      out.push({ kind: "unmappable", key, where, reason: "disabled in the file" });
      continue;
    }
    const mark = (name: string, value: string): ImportValue => {
      const id = /^\$\{input:([^}]+)\}$/.exec(value.trim())?.[1];
      const input = id ? inputs[id] : undefined;
      return { name, value, secret: input ? input.password : undefined, description: input?.description };
    };
    const url = e.url ?? e.serverUrl;
    const type = typeof e.type === "string" ? e.type : undefined;
    if (url !== undefined || type === "http" || type === "sse" || type === "streamable-http" || type === "streamableHttp") {
      if (typeof url !== "string") fail(`${where}.url`, "must be a string");
      if (!/^https?:\/\//.test(url as string)) fail(`${where}.url`, `"${url}" is not an http(s) URL`);
      const transport = type === "sse" || (type === undefined && /\/sse\/?$/.test(url as string)) ? "sse" : "streamable-http";
      out.push({ kind: "remote", key, where, url: url as string, transport, headers: stringMap(e.headers, `${where}.headers`).map(([k, v]) => mark(k, v)), notes: [] });
      continue;
    }
    if (typeof e.command !== "string" || !e.command) fail(`${where}.command`, 'is missing: a server needs "command" (or "url")');
    const notes: string[] = [];
    if (typeof e.envFile === "string") notes.push(`envFile ${e.envFile} is not read: copy its variables into the config's run.env`);
    out.push({
      kind: "stdio",
      key,
      where,
      command: [e.command as string, ...strings(e.args, `${where}.args`)],
      cwd: typeof e.cwd === "string" ? e.cwd : undefined,
      env: stringMap(e.env, `${where}.env`).map(([k, v]) => mark(k, v)),
      notes,
    });
  }
  return out;
}

/** How each registry type's package is started when server.json gives no runtimeHint. */
const RUNNERS: Record<string, { hint: string; args: (id: string, version: string | undefined, env: string[]) => string[] }> = {
  npm: { hint: "npx", args: (id, v) => ["-y", v ? `${id}@${v}` : id] },
  pypi: { hint: "uvx", args: (id, v) => [v ? `${id}==${v}` : id] },
  // docker passes a container only the variables it is told to.
  oci: { hint: "docker", args: (id, v, env) => ["run", "-i", "--rm", ...env.flatMap((n) => ["-e", n]), v && !id.includes(":") ? `${id}:${v}` : id] },
};

function parseServerJson(top: Json): ImportEntry {
  const name = typeof top.name === "string" ? top.name : "server";
  const key = name;
  const title = typeof top.title === "string" ? top.title : undefined;
  const description = typeof top.description === "string" ? top.description : undefined;
  const packages = top.packages === undefined ? [] : Array.isArray(top.packages) ? top.packages : fail("packages", "must be an array");
  const remotes = top.remotes === undefined ? [] : Array.isArray(top.remotes) ? top.remotes : fail("remotes", "must be an array");
  const reasons: string[] = [];
  for (const [i, p] of (packages as unknown[]).entries()) {
    const where = `packages[${i}]`;
    if (!isObject(p)) fail(where, "must be an object");
    const pkg = p as Json;
    const type = pkg.registryType;
    const id = pkg.identifier;
    if (typeof type !== "string") fail(`${where}.registryType`, "must be a string");
    if (typeof id !== "string") fail(`${where}.identifier`, "must be a string");
    const transport = isObject(pkg.transport) ? pkg.transport.type : "stdio";
    if (transport !== "stdio") {
      reasons.push(`${where} (${type} ${id}) serves ${String(transport)} on its own port; only stdio packages are run by import`);
      continue;
    }
    const runner = RUNNERS[type as string];
    const hint = typeof pkg.runtimeHint === "string" ? pkg.runtimeHint : runner?.hint;
    if (!runner && !hint) {
      reasons.push(`${where}: registryType "${type}" has no known way to start it and no runtimeHint`);
      continue;
    }
    const version = typeof pkg.version === "string" ? pkg.version : undefined;
    const runtimeArgs = argumentsOf(pkg.runtimeArguments, `${where}.runtimeArguments`);
    const packageArgs = argumentsOf(pkg.packageArguments, `${where}.packageArguments`);
    if (typeof runtimeArgs === "string" || typeof packageArgs === "string") {
      reasons.push((typeof runtimeArgs === "string" ? runtimeArgs : packageArgs) as string);
      continue;
    }
    const env = envOf(pkg.environmentVariables, `${where}.environmentVariables`);
    const base = runner ? runner.args(id as string, version, env.map((v) => v.name)) : [version ? `${id}@${version}` : (id as string)];
    const command = [hint!, ...runtimeArgs, ...base, ...packageArgs];
    const notes = [...reasons];
    if ((packages as unknown[]).length > i + 1) notes.push(`server.json lists ${(packages as unknown[]).length} packages; ${where} (${type}) was imported`);
    if (remotes.length) notes.push("server.json also lists remotes; the package was imported, not the remote");
    return { kind: "stdio", key, where, title, description, command, env, notes };
  }
  for (const [i, r] of (remotes as unknown[]).entries()) {
    const where = `remotes[${i}]`;
    if (!isObject(r)) fail(where, "must be an object");
    const rem = r as Json;
    if (typeof rem.url !== "string" || !/^https?:\/\//.test(rem.url)) fail(`${where}.url`, "must be an http(s) URL");
    const type = rem.type === "sse" ? "sse" : rem.type === "streamable-http" || rem.type === undefined ? "streamable-http" : null;
    if (!type) {
      reasons.push(`${where}: transport "${String(rem.type)}" is not streamable-http or sse`);
      continue;
    }
    if (/\{[^}]+\}/.test(rem.url as string)) {
      reasons.push(`${where}: the URL ${rem.url} has variables; per-user URLs are not supported`);
      continue;
    }
    const headers = envOf(rem.headers, `${where}.headers`);
    return { kind: "remote", key, where, title, description, url: rem.url as string, transport: type, headers, notes: reasons };
  }
  return { kind: "unmappable", key, where: "(top level)", reason: reasons.join("; ") || "server.json lists no packages and no remotes" };
}

/** server.json `environmentVariables` / remote `headers`. */
function envOf(list: unknown, where: string): ImportValue[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail(where, "must be an array");
  return (list as unknown[]).map((v, i) => {
    if (!isObject(v) || typeof v.name !== "string") fail(`${where}[${i}].name`, "must be a string");
    const e = v as Json;
    const value = typeof e.value === "string" ? e.value : typeof e.default === "string" ? e.default : undefined;
    return {
      name: e.name as string,
      value,
      secret: typeof e.isSecret === "boolean" ? e.isSecret : undefined,
      required: typeof e.isRequired === "boolean" ? e.isRequired : undefined,
      description: typeof e.description === "string" ? e.description : undefined,
    };
  });
}

/** server.json runtime/package arguments as argv; a required one with no value is a reason (string). */
function argumentsOf(list: unknown, where: string): string[] | string {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail(where, "must be an array");
  const out: string[] = [];
  for (const [i, a] of (list as unknown[]).entries()) {
    if (!isObject(a)) fail(`${where}[${i}]`, "must be an object");
    const arg = a as Json;
    const value = typeof arg.value === "string" ? arg.value : typeof arg.default === "string" ? arg.default : undefined;
    if (arg.type === "named") {
      if (typeof arg.name !== "string") fail(`${where}[${i}].name`, "must be a string");
      if (value === undefined && arg.isRequired !== true) continue;
      if (value === undefined) return `${where}[${i}] (${arg.name}) needs a value the file does not give; per-user arguments are not supported`;
      out.push(arg.name as string, value);
    } else {
      if (value === undefined && arg.isRequired === false) continue;
      if (value === undefined) return `${where}[${i}] (${String(arg.valueHint ?? "positional")}) needs a value the file does not give; per-user arguments are not supported`;
      out.push(value);
    }
  }
  return out;
}
