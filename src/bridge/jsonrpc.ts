/** The JSON-RPC 2.0 shapes the bridge moves between clients and stdio children. */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INTERNAL_ERROR = -32603;
/** Implementation-defined server errors: the child died, is at its limit, has no key. */
export const SERVER_ERROR = -32000;

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest =>
  "method" in m && "id" in m && m.id !== undefined && m.id !== null;
export const isNotification = (m: JsonRpcMessage): m is JsonRpcNotification => "method" in m && !isRequest(m);
export const isResponse = (m: JsonRpcMessage): m is JsonRpcResponse => !("method" in m) && "id" in m;

export function errorResponse(id: JsonRpcId | null, code: number, message: string): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

/** A message well-formed enough to route: an object with jsonrpc 2.0 and a method or an id. */
export function isJsonRpcMessage(v: unknown): v is JsonRpcMessage {
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") return false;
  if (typeof m.method === "string") return m.id === undefined || typeof m.id === "string" || typeof m.id === "number";
  return (typeof m.id === "string" || typeof m.id === "number") && ("result" in m || "error" in m);
}
