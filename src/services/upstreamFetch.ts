import type { Secret } from "../crypto/secret.ts";
import { scrub } from "./credential.ts";
import { ToolError } from "./tool.ts";

/** One upstream API as a tool sees it. */
export interface UpstreamApi {
  /** the name people know: "Figma", "GitHub", "Slack" */
  label: string;
  base: string;
  fetch: typeof fetch;
  /** the API's auth headers for this call's credential (built per call, never cached) */
  auth(credential: Secret): Record<string, string>;
  /** headers every request carries (Accept, API version) */
  headers?: Record<string, string>;
}

export interface UpstreamRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: Record<string, string | number | boolean | undefined>;
  credential: Secret;
  signal?: AbortSignal;
}

export interface UpstreamAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** An upstream that has not answered by then is reported, not waited on forever. */
export const UPSTREAM_TIMEOUT_MS = 30_000;
/** Bigger answers are refused rather than held in memory (a whole Figma file can be huge). */
export const MAX_UPSTREAM_BYTES = 16 * 1024 * 1024;
/** Same-host redirects (a renamed GitHub repo) are followed this many times. */
const MAX_REDIRECTS = 3;
/** Upstream error text quoted in a tool error is cut here. */
const MAX_DETAIL_CHARS = 300;

/**
 * Calls the upstream with this call's credential and returns the parsed answer. Every
 * failure becomes a ToolError naming what to do: a rejected token, a rate limit with the
 * wait, an unreachable host. Redirects to another host are not followed, since the
 * credential header would go with them.
 */
export async function upstreamFetch(api: UpstreamApi, req: UpstreamRequest): Promise<UpstreamAnswer> {
  const method = req.method ?? "GET";
  let url = new URL(api.base.replace(/\/+$/, "") + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: "application/json", ...api.headers, ...api.auth(req.credential) };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers["content-type"] = "application/json; charset=utf-8";
    body = JSON.stringify(req.json);
  } else if (req.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(req.form)) if (v !== undefined) form.set(k, String(v));
    body = form.toString();
  }
  const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]) : AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);

  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await api.fetch(url, { method, headers, body, redirect: "manual", signal });
    } catch (e) {
      throw networkError(api, e as Error, req);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
      await res.body?.cancel();
      const next = new URL(res.headers.get("location")!, url);
      if (next.origin !== url.origin) throw new ToolError(`${api.label} redirected to another host (${next.host}); not following it with this instance's token`);
      if (hop >= MAX_REDIRECTS) throw new ToolError(`${api.label} redirected more than ${MAX_REDIRECTS} times for ${method} ${req.path}`);
      url = next;
      continue;
    }
    const parsed = await readBody(api, res);
    if (res.ok) return { status: res.status, headers: res.headers, body: parsed };
    throw statusError(api, method, req.path, res, parsed, req.credential);
  }
}

function networkError(api: UpstreamApi, err: Error, req: UpstreamRequest): ToolError {
  if (err.name === "TimeoutError") return new ToolError(`${api.label} did not answer within ${UPSTREAM_TIMEOUT_MS / 1000} s; try again later`);
  if (err.name === "AbortError" && req.signal?.aborted) return new ToolError(`the call to ${api.label} was cancelled`);
  return new ToolError(`could not reach ${api.label} at ${api.base} (${scrub(err.message, req.credential)})`);
}

async function readBody(api: UpstreamApi, res: Response): Promise<unknown> {
  if (Number(res.headers.get("content-length") ?? 0) > MAX_UPSTREAM_BYTES) {
    await res.body?.cancel();
    throw new ToolError(`${api.label} answered with more than ${MAX_UPSTREAM_BYTES / 1024 / 1024} MB; ask for less (fewer ids, a smaller depth)`);
  }
  const text = await res.text();
  if (text.length > MAX_UPSTREAM_BYTES) {
    throw new ToolError(`${api.label} answered with more than ${MAX_UPSTREAM_BYTES / 1024 / 1024} MB; ask for less (fewer ids, a smaller depth)`);
  }
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Seconds to wait, from Retry-After (seconds or a date) or GitHub's x-ratelimit-reset (epoch seconds). */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const ra = headers.get("retry-after");
  if (ra) {
    if (/^\d+$/.test(ra.trim())) return Number(ra.trim());
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const reset = headers.get("x-ratelimit-reset");
  if (reset && /^\d+$/.test(reset) && headers.get("x-ratelimit-remaining") === "0") {
    return Math.max(0, Number(reset) - Math.floor(now / 1000));
  }
  return undefined;
}

/** The upstream's own words about the error: GitHub `message`, Figma `err`, Slack `error`. */
function detailOf(body: unknown, credential: Secret): string {
  let text = "";
  if (typeof body === "string") text = body;
  else if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const v = b.message ?? b.err ?? b.error ?? b.error_description;
    if (typeof v === "string") text = v;
  }
  text = scrub(text.replace(/\s+/g, " ").trim(), credential);
  if (!text || text.startsWith("<")) return ""; // an HTML error page says nothing useful
  return ": " + (text.length > MAX_DETAIL_CHARS ? text.slice(0, MAX_DETAIL_CHARS) + "…" : text);
}

function statusError(api: UpstreamApi, method: string, path: string, res: Response, body: unknown, credential: Secret): ToolError {
  const status = res.status;
  const detail = detailOf(body, credential);
  const rateLimited = status === 429 || (status === 403 && (res.headers.has("retry-after") || res.headers.get("x-ratelimit-remaining") === "0"));
  if (rateLimited) {
    const wait = retryAfterSeconds(res.headers);
    return new ToolError(`${api.label} rate limit hit; ${wait === undefined ? "retry later" : `retry after ${wait} s`} (HTTP ${status})`);
  }
  if (status === 401) return new ToolError(`the ${api.label} token for this instance was rejected (HTTP 401${detail}); store a new one with mcpd user add`);
  if (status === 403) {
    return new ToolError(`the ${api.label} token for this instance was rejected (HTTP 403${detail}); it may lack the access or scope this needs`);
  }
  if (status === 404) return new ToolError(`${api.label} found nothing at ${method} ${path} (HTTP 404${detail}); check the ids, and that this token can see it`);
  if (status >= 500) return new ToolError(`${api.label} had a server error (HTTP ${status}${detail}); try again later`);
  return new ToolError(`${api.label} refused ${method} ${path} (HTTP ${status}${detail})`);
}
