import { decodeFields, isFieldRecord, SOLE_FIELD } from "../crypto/fields.ts";
import { fillTemplate } from "../registry/fields.ts";

/**
 * Header rewriting, both directions. Pure functions of their inputs: the client never
 * chooses the credential, the user or the internal token, because every header that could
 * carry them is dropped before the proxy's own are set.
 */

/** RFC 9110 §7.6.1 (plus the RFC 2616 names some clients still send); meaningful for one hop only. */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "transfer-encoding",
  "upgrade",
  "trailer",
  "proxy-authenticate",
  "proxy-authorization",
]);

/** Names listed in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionNamed(value: string | null): Set<string> | null {
  if (!value) return null;
  // The usual "keep-alive" or "close" names nothing that is not dropped anyway.
  if (!value.includes(",")) {
    const only = value.trim().toLowerCase();
    if (only === "close" || HOP_BY_HOP.has(only)) return null;
  }
  const named = new Set<string>();
  for (const n of value.split(",")) if (n.trim()) named.add(n.trim().toLowerCase());
  return named;
}

/** Dropped on the way to the service besides hop-by-hop ones: the proxy sets these itself. */
const SET_BY_PROXY = new Set(["host", "content-length", "accept-encoding"]);
/** A value the proxy writes into a head must not end its line early, and must be one byte a character (Headers refuses the rest too). */
const LINE_BREAKING = /[\r\n\0]|[^\x00-\xff]/;

/** Whether a value can be written as a header's value as it is. */
export const headerSafe = (v: string): boolean => !LINE_BREAKING.test(v);

export interface Injection {
  /** The service's credential header (`credential.inject.header`), if it has one. */
  credentialHeader: string | null;
  /** `inject.format` with `{secret}` replaced; null when the user has no key for it. */
  credentialValue: string | null;
  userId: string;
  instanceRef: string;
  /** null for a remote service: it is not mcpd's, so it gets no token and no x-mcpd-* at all */
  internalToken: string | null;
}

/**
 * What the service receives. Dropped: hop-by-hop headers, names listed in Connection,
 * every x-mcpd-*, the credential header, Host (fetch sets the service's) and
 * Content-Length (the forwarded body sets its own). Set: the credential, x-mcpd-user,
 * x-mcpd-instance (the public ref), x-mcpd-internal. Everything else passes, including
 * Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name and Last-Event-ID.
 */
export function requestHeaders(incoming: Headers, inj: Injection): Headers {
  const named = connectionNamed(incoming.get("connection"));
  const credential = inj.credentialHeader?.toLowerCase() ?? null;
  const out = new Headers();
  incoming.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || named?.has(name) || name.startsWith("x-mcpd-")) return;
    if (name === credential || SET_BY_PROXY.has(name)) return;
    out.append(name, value);
  });
  // The hop to the service is loopback: compressing it costs CPU for nothing and would
  // hide SSE event boundaries from the proxy.
  out.set("accept-encoding", "identity");
  if (inj.credentialHeader && inj.credentialValue !== null) out.set(inj.credentialHeader, inj.credentialValue);
  if (inj.internalToken === null) return out;
  out.set("x-mcpd-user", inj.userId);
  out.set("x-mcpd-instance", inj.instanceRef);
  out.set("x-mcpd-internal", inj.internalToken);
  return out;
}

/**
 * requestHeaders for a head the front read off the socket (src/front): the same rules on
 * its fields, as header lines. Null when an injected value would break a line: the
 * request then takes the full path, where Headers refuses it.
 */
export function requestLines(fields: readonly string[], connection: string | null, inj: Injection): string | null {
  const named = connectionNamed(connection);
  const credential = inj.credentialHeader?.toLowerCase() ?? null;
  let out = "";
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (HOP_BY_HOP.has(name) || named?.has(name) || name.startsWith("x-mcpd-")) continue;
    if (name === credential || SET_BY_PROXY.has(name)) continue;
    out += `${name}: ${fields[i + 1]}\r\n`;
  }
  const value = inj.credentialHeader ? inj.credentialValue : null;
  for (const v of [value, inj.userId, inj.instanceRef, inj.internalToken]) if (v !== null && LINE_BREAKING.test(v)) return null;
  const credentialLine = value !== null ? `${inj.credentialHeader}: ${value}\r\n` : "";
  return `${out}accept-encoding: identity\r\n${credentialLine}x-mcpd-user: ${inj.userId}\r\nx-mcpd-instance: ${inj.instanceRef}\r\nx-mcpd-internal: ${inj.internalToken}\r\n`;
}

/**
 * `inject.format` with the user's values in place of `{secret}` / `{token}`…, from the
 * opened plaintext; null when the record lacks a field the format names. `legacyField`
 * is legacyFieldOf(credential): what a bare (one-value) record's value is called.
 */
export function formatCredential(format: string, plaintext: string, legacyField: string = SOLE_FIELD): string | null {
  if (!isFieldRecord(plaintext)) {
    // The one-field form, as every record sealed before named fields: no decoding.
    if (format === "{secret}" && legacyField === SOLE_FIELD) return plaintext;
    return fillTemplate(format, { [legacyField]: plaintext });
  }
  return fillTemplate(format, decodeFields(plaintext));
}

/**
 * What the client receives: the service's headers minus hop-by-hop ones and any
 * x-mcpd-*, minus Content-Length when the body will be re-streamed (its length is then
 * the proxy's business).
 */
export function responseHeaders(upstream: Headers, opts: { keepLength: boolean }): Headers {
  const named = connectionNamed(upstream.get("connection"));
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || named?.has(name) || name.startsWith("x-mcpd-")) return;
    if (name === "content-length" && !opts.keepLength) return;
    if (name === "date") return;
    out.append(name, value);
  });
  return out;
}

/**
 * responseHeaders for a head the front read off the socket, as header lines. The body
 * passes byte for byte, so Content-Length stays; a stream gets markStream's headers.
 */
export function responseLines(fields: readonly string[], connection: string | null, stream: boolean): string {
  const named = connectionNamed(connection);
  let out = "";
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (HOP_BY_HOP.has(name) || named?.has(name) || name.startsWith("x-mcpd-")) continue;
    if (stream && (name === "cache-control" || name === "x-accel-buffering")) continue;
    out += `${name}: ${fields[i + 1]}\r\n`;
  }
  return stream ? `${out}cache-control: ${STREAM_CACHE_CONTROL}\r\nx-accel-buffering: no\r\n` : out;
}

const STREAM_CACHE_CONTROL = "no-cache, no-transform";

/** Set on every event stream: proxies in front of mcpd (nginx) must not buffer or transform it. */
export function markStream(h: Headers): void {
  h.set("cache-control", STREAM_CACHE_CONTROL);
  h.set("x-accel-buffering", "no");
}
