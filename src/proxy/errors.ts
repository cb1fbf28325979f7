import type { RpcPeek } from "./jsonrpc.ts";
import { sseMessage } from "./sse.ts";

/** JSON-RPC error codes the proxy answers with (-32000..-32099 is the server-defined range). */
const RPC_CODE: Record<number, number> = {
  403: -32003,
  404: -32001,
  413: -32600,
  429: -32029,
  502: -32002,
  503: -32002,
  504: -32004,
};

export interface ProxyErrorInit {
  status: number;
  /** Stable for scripts and tests: "unknown-instance", "rate-limited", "service-unavailable" … */
  code: string;
  /** A sentence a person can act on; never a credential or an instance id. */
  message: string;
  headers?: Record<string, string>;
  /** the JSON-RPC error code, when not the one RPC_CODE gives for the status */
  rpcCode?: number;
}

/**
 * An error the proxy itself makes. A JSON-RPC request gets a JSON-RPC error object (one
 * per request id, so a client waiting on an id gets its answer); anything else gets
 * `{ "error": { code, message } }`. The HTTP status is the same either way.
 */
export function errorResponse(e: ProxyErrorInit, rpc: RpcPeek | null): Response {
  const headers = { "content-type": "application/json", "cache-control": "no-store", ...e.headers };
  return new Response(JSON.stringify(errorBody(e, rpc)), { status: e.status, headers });
}

export function errorBody(e: ProxyErrorInit, rpc: RpcPeek | null): unknown {
  return rpc ? rpcErrorBody(e, rpc) : { error: { code: e.code, message: e.message } };
}

/** The event a client still waiting on ids gets when the service breaks off its stream (null when none waits). */
export function streamBreakEvent(service: string, rpc: RpcPeek | null): Uint8Array | null {
  if (!rpc?.ids.length) return null;
  return sseMessage(rpcErrorBody({ status: 502, code: "service-broke-off", message: `service ${service} stopped before answering; try again` }, rpc));
}

export function rpcErrorBody(e: Pick<ProxyErrorInit, "status" | "code" | "message" | "rpcCode">, rpc: RpcPeek): unknown {
  const error = { code: e.rpcCode ?? RPC_CODE[e.status] ?? -32000, message: e.message, data: { code: e.code } };
  const one = (id: string | number | null) => ({ jsonrpc: "2.0", id, error });
  if (rpc.batch) return rpc.ids.length ? rpc.ids.map(one) : [one(null)];
  return one(rpc.ids[0] ?? null);
}
