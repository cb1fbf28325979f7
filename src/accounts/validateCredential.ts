import type { Service } from "../registry/schema.ts";
import { resolveUpstreamUrl } from "../registry/upstream.ts";
import type { Secret } from "../crypto/secret.ts";

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
  const v = service.credential?.validate;
  if (!v) return { ok: true, checked: "none" };
  if ("local" in v) {
    return secret.reveal().trim() === ""
      ? { ok: false, reason: "rejected", message: `${service.name} rejected the key: it is empty` }
      : { ok: true, checked: "local" };
  }

  const url = resolveUpstreamUrl(service, v.url, opts.env);
  const request = `${v.method} ${url}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: v.method,
      headers: { [v.header]: v.format.replaceAll("{secret}", secret.reveal()), accept: "application/json" },
      // A redirect would carry the key's header to wherever it points.
      redirect: "manual",
      signal: AbortSignal.timeout(v.timeoutMs),
    });
  } catch (e) {
    const err = e as Error;
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return { ok: false, reason: "timeout", message: `${service.name} did not answer within ${v.timeoutMs} ms (${request})` };
    }
    return { ok: false, reason: "unreachable", message: scrub(`cannot reach ${service.name} to check the key (${request}: ${err.message})`, secret) };
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
    if (mismatch) return { ok: false, reason: "rejected", message: scrub(`${service.name} rejected the key (${status}: ${mismatch})`, secret) };
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

/** Belt and braces: error text from the network stack must not carry the key out. */
function scrub(message: string, secret: Secret): string {
  const key = secret.reveal();
  return key.length >= 4 ? message.replaceAll(key, "[secret]") : message;
}
