import type { BridgeContext } from "./index.ts";
import {
  errorResponse,
  isNotification,
  isRequest,
  INVALID_REQUEST,
  SERVER_ERROR,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcResponse,
} from "./jsonrpc.ts";
import type { ChildMux, RelatedSink } from "./mux.ts";
import { AtLimitError, type ChildPool } from "./pool.ts";
import type { Session } from "./sessions.ts";

/** What both HTTP fronts (Streamable HTTP, legacy SSE) share: getting a session's child and talking to it. */

/** The child could not be had: at the cap (503, retry) or it failed to start (502). */
export interface Unavailable {
  status: 502 | 503;
  message: string;
}

export async function muxFor(
  pool: ChildPool,
  session: Session,
  ctx: BridgeContext,
  initParams?: Record<string, unknown>,
): Promise<ChildMux | Unavailable> {
  try {
    const mux = await pool.ready(session.instanceRef, ctx.secret, initParams);
    mux.attach(session);
    return mux;
  } catch (e) {
    if (e instanceof AtLimitError) return { status: 503, message: e.message };
    return { status: 502, message: (e as Error).message };
  }
}

export const isUnavailable = (v: ChildMux | Unavailable): v is Unavailable => "status" in v;

/**
 * Sends one client message on; resolves with the answer for a request and null for a
 * notification or a response. `ping` is answered here so it never wakes an idle child.
 */
export function forward(
  mux: ChildMux | undefined,
  session: Session,
  msg: JsonRpcMessage,
  related?: RelatedSink,
): Promise<JsonRpcResponse | null> {
  if (isRequest(msg)) {
    if (msg.method === "ping") return Promise.resolve({ jsonrpc: "2.0", id: msg.id, result: {} });
    if (msg.method === "initialize") {
      return Promise.resolve(errorResponse(msg.id, INVALID_REQUEST, "this session is already initialized"));
    }
    if (!mux) return Promise.resolve(errorResponse(msg.id, SERVER_ERROR, "the server is not running; try again"));
    return mux.request(session, msg, related);
  }
  if (isNotification(msg)) mux?.notify(session, msg);
  else mux?.respond(session, msg as JsonRpcResponse);
  return Promise.resolve(null);
}

/** Requests that need the child (everything but ping). */
export const needsChild = (msgs: JsonRpcMessage[]): boolean => msgs.some((m) => isRequest(m) && m.method !== "ping");

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** An HTTP error in JSON-RPC form, answering `id` when the request had one. */
export function rpcError(status: number, code: number, message: string, id: JsonRpcId | null = null): Response {
  return jsonResponse(status, errorResponse(id, code, message), status === 503 ? { "retry-after": "1" } : {});
}
