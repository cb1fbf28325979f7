/** What the proxy learns from a JSON-RPC POST body, for the audit row and for error replies. */
export interface RpcPeek {
  /** The first message's method (`tools/call`, `initialize` …), null for responses. */
  method: string | null;
  /** For `tools/call`, the tool's name. */
  tool: string | null;
  /** Ids of the requests in the body: the ones that expect an answer. */
  ids: Array<string | number>;
  batch: boolean;
  /** How many of its messages cost the upstream API (CALL_METHODS): what the call rate limit counts. */
  calls: number;
  /** The tool of every `tools/call` in the body (null where its name is not a string): what a tool policy checks. */
  tools: Array<string | null>;
  /** Ids of its `tools/list` requests: the answers a tool policy filters. */
  listIds: Array<string | number>;
  /** Only the head of a huge body was scanned: `tools` and `listIds` may be incomplete (peekRpc(…, true) reads it whole). */
  partial: boolean;
}

/** The methods that reach the service's upstream API: counted against `limits.requestsPerMinute` and `callsPerDay`. */
export const CALL_METHODS: ReadonlySet<string> = new Set(["tools/call", "resources/read", "prompts/get", "completion/complete"]);

/** Bodies past this are only scanned at the head: the method and tool name come first in practice. */
const FULL_PARSE_MAX_BYTES = 256 * 1024;
const HEAD_SCAN_BYTES = 4096;

const utf8 = new TextDecoder();

const asId = (v: unknown): string | number | null => (typeof v === "string" || typeof v === "number" ? v : null);

/**
 * Reads the method, tool name and ids from a body, or null when it is not JSON-RPC.
 * Cheap: one JSON.parse of a body the proxy holds anyway (bounded by maxBodyBytes), or a
 * scan of the first 4 KiB of a huge one.
 */
export function peekRpc(body: Uint8Array, contentType: string | null, whole = false): RpcPeek | null {
  if (!contentType?.includes("json") || body.length === 0) return null;
  if (body.length > FULL_PARSE_MAX_BYTES && !whole) return scanHead(body);
  let msg: unknown;
  try {
    msg = JSON.parse(utf8.decode(body));
  } catch {
    return null;
  }
  const list = Array.isArray(msg) ? msg : [msg];
  const first = list[0] as Record<string, unknown> | undefined;
  if (!first || typeof first !== "object" || first.jsonrpc !== "2.0") return null;
  const ids: Array<string | number> = [];
  const tools: Array<string | null> = [];
  const listIds: Array<string | number> = [];
  let calls = 0;
  for (const m of list as Array<Record<string, unknown>>) {
    if (!m || typeof m.method !== "string") continue;
    const id = asId(m.id);
    if (id !== null) ids.push(id);
    if (CALL_METHODS.has(m.method)) calls++;
    if (m.method === "tools/call") {
      const name = (m.params as Record<string, unknown> | undefined)?.name;
      tools.push(typeof name === "string" ? name : null);
    } else if (m.method === "tools/list" && id !== null) listIds.push(id);
  }
  const method = typeof first.method === "string" ? first.method : null;
  const params = first.params as Record<string, unknown> | undefined;
  const tool = method === "tools/call" && typeof params?.name === "string" ? params.name : null;
  return { method, tool, ids, batch: Array.isArray(msg), calls, tools, listIds, partial: false };
}

function scanHead(body: Uint8Array): RpcPeek | null {
  const head = utf8.decode(body.subarray(0, HEAD_SCAN_BYTES));
  if (!/"jsonrpc"\s*:\s*"2\.0"/.test(head)) return null;
  const method = /"method"\s*:\s*"([^"\\]{1,200})"/.exec(head)?.[1] ?? null;
  const tool = method === "tools/call" ? (/"name"\s*:\s*"([^"\\]{1,200})"/.exec(head)?.[1] ?? null) : null;
  const id = /"id"\s*:\s*("(?:[^"\\]{0,200})"|-?\d{1,20})/.exec(head)?.[1];
  const ids = id === undefined ? [] : [id.startsWith('"') ? id.slice(1, -1) : Number(id)];
  // Not parsed whole, so counted high: every mention of a call method anywhere in the body.
  const calls = utf8.decode(body).match(CALL_MENTION)?.length ?? 0;
  return { method, tool, ids, batch: head.trimStart().startsWith("["), calls, tools: tool === null ? [] : [tool], listIds: [], partial: true };
}

const CALL_MENTION = /"(?:tools\/call|resources\/read|prompts\/get|completion\/complete)"/g;
