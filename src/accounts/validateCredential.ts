import type { Service } from "../registry/schema.ts";
import { resolveUpstreamUrl } from "../registry/upstream.ts";
import type { Secret } from "../crypto/secret.ts";
import { fieldsOf, fillTemplate, secretValuesOf, valuesOf, type FieldSpec } from "../registry/fields.ts";

export type ValidationResult =
  | { ok: true; checked: "local" | "http" | "none" }
  | { ok: false; reason: "rejected" | "unreachable" | "timeout"; message: string };

export interface ValidateOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** How much of an answer is read to look for `expectJson` fields; an identity endpoint is small. */
const MAX_JSON_BYTES = 256 * 1024;

/**
 * Asks the service's API whether the key works, as `credential.validate` says. Every
 * message names the service, the HTTP status and the request, never the key.
 */
export async function validateCredential(service: Service, secret: Secret, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const credential = service.credential;
  const v = credential?.validate;
  if (!credential) return { ok: true, checked: "none" };
  const values = valuesOf(credential, secret);
  const fieldProblem = checkFields(service.name, fieldsOf(credential), values);
  if (fieldProblem) return { ok: false, reason: "rejected", message: fieldProblem };
  const anyFieldCheck = fieldsOf(credential).some((f) => f.check);
  if (!v) return { ok: true, checked: anyFieldCheck ? "local" : "none" };
  if ("local" in v) {
    const empty = fieldsOf(credential).find((f) => !values[f.name]?.trim());
    return empty
      ? { ok: false, reason: "rejected", message: `${service.name} rejected the key: ${credential.fields ? `${empty.name} is empty` : "it is empty"}` }
      : { ok: true, checked: "local" };
  }

  const url = resolveUpstreamUrl(service, v.url, opts.env);
  const request = `${v.method} ${url}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: v.method,
      headers: { [v.header]: fillTemplate(v.format, values) ?? "", accept: "application/json" },
      // A redirect would carry the key's header to wherever it points.
      redirect: "manual",
      signal: AbortSignal.timeout(v.timeoutMs),
    });
  } catch (e) {
    const err = e as Error;
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return { ok: false, reason: "timeout", message: `${service.name} did not answer within ${v.timeoutMs} ms (${request})` };
    }
    return { ok: false, reason: "unreachable", message: scrub(`cannot reach ${service.name} to check the key (${request}: ${err.message})`, credential, secret) };
  }

  const status = `HTTP ${res.status} from ${request}`;
  // 5xx and 429 say nothing about the key: report the API as unavailable, not the key as bad.
  if (res.status >= 500 || res.status === 429) {
    await res.body?.cancel();
    return { ok: false, reason: "unreachable", message: `${service.name} could not check the key right now (${status}); try again later` };
  }
  if (res.status !== v.expectStatus) {
    await res.body?.cancel();
    return { ok: false, reason: "rejected", message: `${service.name} rejected the key (${status})` };
  }
  if (v.expectJson) {
    const mismatch = await jsonMismatch(res, v.expectJson);
    if (mismatch) return { ok: false, reason: "rejected", message: scrub(`${service.name} rejected the key (${status}: ${mismatch})`, credential, secret) };
  } else {
    await res.body?.cancel();
  }
  return { ok: true, checked: "http" };
}

/** Describes the first expected field the answer lacks (Slack: `ok is false, error "invalid_auth"`), or null. */
async function jsonMismatch(res: Response, expect: Record<string, string | number | boolean>): Promise<string | null> {
  let body: Record<string, unknown>;
  try {
    const text = await res.text();
    if (text.length > MAX_JSON_BYTES) return "the answer is too large to be an identity check";
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "the answer is not a JSON object";
    body = parsed as Record<string, unknown>;
  } catch {
    return "the answer is not JSON";
  }
  for (const [field, want] of Object.entries(expect)) {
    if (body[field] !== want) {
      const error = typeof body.error === "string" && /^[\w.-]{1,64}$/.test(body.error) ? `, error "${body.error}"` : "";
      return `${field} is ${short(body[field])}, expected ${JSON.stringify(want)}${error}`;
    }
  }
  return null;
}

function short(value: unknown): string {
  if (value === undefined) return "missing";
  const s = JSON.stringify(value);
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

/** Belt and braces: error text from the network stack must not carry a secret value out. */
function scrub(message: string, credential: NonNullable<Service["credential"]>, secret: Secret): string {
  let out = message;
  for (const key of secretValuesOf(credential, secret)) if (key.length >= 4) out = out.replaceAll(key, "[secret]");
  return out;
}

/** Each field's own check, in order; the first problem names the field, never its value. */
function checkFields(service: string, fields: FieldSpec[], values: Record<string, string>): string | null {
  for (const f of fields) {
    const value = values[f.name];
    if (value === undefined || value === "") return `${service} needs ${f.name} (${f.label})`;
    if (!f.check) continue;
    if ("local" in f.check && value.trim() === "") return `${service} rejected ${f.name}: it is empty`;
    if ("pattern" in f.check && !new RegExp(f.check.pattern).test(value)) return `${service} rejected ${f.name}: it does not look like ${f.label} (${f.check.pattern})`;
  }
  return null;
}
