import { createInterface } from "node:readline";
import { Secret } from "../crypto/secret.ts";
import { fieldsOf, plaintextOf } from "../registry/fields.ts";
import type { Service } from "../registry/schema.ts";
import { McpdError } from "../util/errors.ts";

/** Far above any API key; a larger input is a file piped by mistake. */
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The key to onboard: typed with echo off on a terminal, or read whole from stdin
 * (`--key-stdin`, or whenever stdin is not a terminal). Surrounding whitespace and the
 * trailing newline of `echo key |` are dropped.
 */
export async function readKey(prompt: string, opts: { fromStdin: boolean }): Promise<Secret> {
  const tty = process.stdin.isTTY === true && !opts.fromStdin;
  const text = tty ? await readHidden(prompt) : await readAllStdin();
  const key = text.trim();
  if (!key) throw new McpdError("usage", tty ? "no key was typed" : "no key on stdin (pipe it in: printf %s \"$KEY\" | mcpd user add ... --key-stdin)");
  refuseControl(key, "the key");
  return new Secret(key);
}

/**
 * Every value of a service's credential, sealed as one record. A credential without
 * named fields is the one key, read as readKey does. With fields: `--field NAME=VALUE`
 * gives non-secret ones (argv shows in `ps`, so secret ones are refused there); stdin
 * (`--key-stdin`, or a stdin that is not a terminal) holds a JSON object of the rest;
 * on a terminal each missing field is asked for, the secret ones with echo off.
 */
export async function readCredential(service: Service, userId: string, opts: { fromStdin: boolean; fields: string[] }): Promise<Secret> {
  const credential = service.credential!;
  const specs = fieldsOf(credential);
  const given = parseFieldFlags(opts.fields, service);
  if (!credential.fields) {
    if (opts.fields.length) throw new McpdError("usage", `--field: ${service.name} takes one key, not named fields; pipe it with --key-stdin`);
    return readKey(`${credential.label} for ${userId} on ${service.name}: `, { fromStdin: opts.fromStdin });
  }
  const values: Record<string, string> = { ...given };
  const missing = specs.filter((f) => values[f.name] === undefined);
  const tty = process.stdin.isTTY === true && !opts.fromStdin;
  if (missing.length && !tty) {
    const text = (await readAllStdin()).trim();
    // One value to give: a bare key works as well as {"name": key}, as for a one-key service.
    if (missing.length === 1 && !text.startsWith("{")) {
      refuseControl(text, missing[0]!.name);
      values[missing[0]!.name] = text;
    } else Object.assign(values, parseFieldJson(text, service), given);
  } else {
    for (const f of missing) {
      const prompt = `${f.label} (${f.name}) for ${userId} on ${service.name}: `;
      const typed = (f.secret ? await readHidden(prompt) : await readLine(prompt)).trim();
      if (!typed) throw new McpdError("usage", `no value was typed for ${f.name}`);
      values[f.name] = typed;
    }
  }
  const absent = specs.filter((f) => !values[f.name]);
  if (absent.length) {
    throw new McpdError("usage", `${service.name} needs ${absent.map((f) => `${f.name} (${f.label})`).join(", ")}; give them in the JSON object on stdin${absent.some((f) => !f.secret) ? " or with --field NAME=VALUE" : ""}`);
  }
  return new Secret(plaintextOf(credential, values));
}

function parseFieldFlags(flags: string[], service: Service): Record<string, string> {
  const specs = new Map(fieldsOf(service.credential!).map((f) => [f.name, f]));
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    const name = eq > 0 ? flag.slice(0, eq) : "";
    const spec = specs.get(name);
    if (!spec) throw new McpdError("usage", `--field ${eq > 0 ? name : flag}: ${service.name} has no such field (fields: ${[...specs.keys()].join(", ")}); write --field NAME=VALUE`);
    if (spec.secret) throw new McpdError("usage", `--field ${name}: a secret field is never taken on the command line (ps shows it); type it, or pipe {"${name}": "..."} with --key-stdin`);
    const value = flag.slice(eq + 1).trim();
    refuseControl(value, name);
    out[name] = value;
  }
  return out;
}

function parseFieldJson(text: string, service: Service): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new McpdError("usage", `stdin: ${service.name} has named fields; pipe a JSON object like {"${fieldsOf(service.credential!)[0]!.name}": "..."}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new McpdError("usage", "stdin: not a JSON object of field values");
  const known = new Set(fieldsOf(service.credential!).map((f) => f.name));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!known.has(k)) throw new McpdError("usage", `stdin: ${service.name} has no field "${k}" (fields: ${[...known].join(", ")})`);
    if (typeof v !== "string") throw new McpdError("usage", `stdin: ${k} must be a string`);
    refuseControl(v.trim(), k);
    out[k] = v.trim();
  }
  return out;
}

/** A NUL would be read as the sealed record's mark (crypto/fields.ts); no real key has one. */
function refuseControl(value: string, what: string): void {
  if (/[\u0000-\u0008\u000b-\u001f]/.test(value)) throw new McpdError("usage", `${what} holds control characters, which no key has`);
}

function readLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => rl.question(prompt, (answer) => (rl.close(), resolve(answer))));
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_KEY_BYTES) throw new McpdError("usage", `stdin holds more than ${MAX_KEY_BYTES} bytes, which is not a key`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Raw mode with no echo: the key never appears on screen or in the terminal's scrollback. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (err?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u0003") return finish(Object.assign(new McpdError("cancelled", "cancelled; nothing was stored"), { exitCode: 130 }));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed += ch;
      }
    };
    stdin.on("data", onData);
  });
}
