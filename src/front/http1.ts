/**
 * HTTP/1.1 message heads, read strictly. The front only takes the requests it can frame
 * without doubt; anything ambiguous (obs-fold, a bare CR or LF, two Content-Lengths,
 * Content-Length with Transfer-Encoding, an unknown coding) is "odd" and goes whole to
 * Bun's own server, which answers or refuses it. That keeps request smuggling out.
 */

export interface Head {
  /** request: "POST", "GET" …; response: "" */
  method: string;
  /** request: the target as sent; response: "" */
  target: string;
  /** response: the status code; request: 0 */
  status: number;
  /** lower-case name, value, name, value … in the order received */
  fields: string[];
  /** bytes up to and including the blank line */
  size: number;
  /** -1 when absent */
  contentLength: number;
  chunked: boolean;
  /** `Connection: close` */
  close: boolean;
}

/** Heads past this are refused by Bun's server too; no client of an MCP service sends one. */
export const MAX_HEAD_BYTES = 64 * 1024;

const END = Buffer.from("\r\n\r\n");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** NUL, or a CR or LF that is not part of a CRLF: lines must split the same way everywhere. */
const BAD_IN_HEAD = /\0|\r(?!\n)|(?<!\r)\n/;
const DIGITS = /^\d{1,15}$/;
const STATUS_LINE = /^HTTP\/1\.1 [1-5]\d\d( |$)/;

/** The characters of an HTTP token (RFC 9110 §5.6.2), by char code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
/** Optional whitespace around a field value is SP and HTAB only (RFC 9110 §5.6.3), as Bun's own parser has it: a VT, FF or NBSP stays in the value, and a Content-Length padded with one is no number. */
const isOws = (c: number) => c === 32 || c === 9;

/**
 * The head at the start of `buf`: "incomplete" until its blank line arrives, "odd" when the
 * front should not frame it. Every request and answer on the lane goes through here, so
 * it walks the text by index and makes only the strings it keeps.
 */
export function parseHead(buf: Buffer, kind: "request" | "response"): Head | "incomplete" | "odd" | "bare-lf" {
  const end = buf.indexOf(END);
  if (end < 0) {
    if (buf.byteLength > MAX_HEAD_BYTES) return "odd";
    // Lines ended by a bare LF never make the blank line looked for: say so now, not at the idle timeout.
    return hasBareLf(buf) ? "bare-lf" : "incomplete";
  }
  const text = buf.toString("latin1", 0, end);
  // From here every CR is followed by an LF and every LF follows a CR: lines end at "\r\n".
  if (BAD_IN_HEAD.test(text)) return "odd";
  let eol = text.indexOf("\r\n");
  if (eol < 0) eol = text.length;
  const head: Head = { method: "", target: "", status: 0, fields: [], size: end + 4, contentLength: -1, chunked: false, close: false };
  if (!startLine(text.slice(0, eol), kind, head)) return "odd";
  while (eol < text.length) {
    const at = eol + 2;
    eol = text.indexOf("\r\n", at);
    if (eol < 0) eol = text.length;
    const colon = text.indexOf(":", at);
    if (colon <= at || colon >= eol) return "odd";
    let upper = false;
    for (let i = at; i < colon; i++) {
      const c = text.charCodeAt(i);
      if (c > 127 || TCHAR[c] === 0) return "odd";
      if (c >= 65 && c <= 90) upper = true;
    }
    const lower = upper ? text.slice(at, colon).toLowerCase() : text.slice(at, colon);
    let from = colon + 1;
    let to = eol;
    while (from < to && isOws(text.charCodeAt(from))) from++;
    while (to > from && isOws(text.charCodeAt(to - 1))) to--;
    const value = text.slice(from, to);
    if (lower === "content-length") {
      if (head.contentLength >= 0 || !DIGITS.test(value)) return "odd";
      head.contentLength = Number(value);
    } else if (lower === "transfer-encoding") {
      if (head.chunked || value.toLowerCase() !== "chunked") return "odd";
      head.chunked = true;
    } else if (lower === "connection" && /(^|,)\s*close\s*(,|$)/i.test(value)) {
      head.close = true;
    }
    head.fields.push(lower, value);
  }
  if (head.chunked && head.contentLength >= 0) return "odd";
  return head;
}

/** An LF not preceded by a CR. */
function hasBareLf(buf: Buffer): boolean {
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) if (i === 0 || buf[i - 1] !== 13) return true;
  return false;
}

function startLine(line: string, kind: "request" | "response", head: Head): boolean {
  if (kind === "request") {
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    if (a <= 0 || b < 0 || line.slice(b + 1) !== "HTTP/1.1") return false;
    head.method = line.slice(0, a);
    head.target = line.slice(a + 1, b);
    return TOKEN.test(head.method) && head.target.charCodeAt(0) === 47 /* "/" */ && !/[\s\0]/.test(head.target);
  }
  if (!STATUS_LINE.test(line)) return false;
  head.status = Number(line.slice(9, 12));
  return true;
}

/** The first value of a field, or null. */
export function field(head: Head, name: string): string | null {
  const f = head.fields;
  for (let i = 0; i < f.length; i += 2) if (f[i] === name) return f[i + 1]!;
  return null;
}

/** How many times a field appears. */
export function fieldCount(head: Head, name: string): number {
  let n = 0;
  const f = head.fields;
  for (let i = 0; i < f.length; i += 2) if (f[i] === name) n++;
  return n;
}

const REASONS: Record<number, string> = {
  200: "OK",
  202: "Accepted",
  204: "No Content",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export const statusLine = (status: number): string => `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n`;

/** A complete response with a body the proxy wrote itself (its own errors). */
export function wholeResponse(status: number, headers: Record<string, string>, body: string, close: boolean): Buffer {
  let head = statusLine(status);
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  const bytes = Buffer.from(body);
  head += `content-length: ${bytes.byteLength}\r\ndate: ${new Date().toUTCString()}\r\n${close ? "connection: close\r\n" : ""}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), bytes]);
}

/** Whether a response to `method` with this status carries no body whatever its head says (RFC 9112 §6.3). */
export const bodiless = (method: string, status: number): boolean => method === "HEAD" || status < 200 || status === 204 || status === 304;
