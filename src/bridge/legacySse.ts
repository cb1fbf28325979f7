import { forward, isUnavailable, muxFor, needsChild, rpcError } from "./dispatch.ts";
import type { BridgeContext } from "./index.ts";
import { isJsonRpcMessage, isRequest, INVALID_REQUEST, PARSE_ERROR, SERVER_ERROR, type JsonRpcMessage, type JsonRpcRequest } from "./jsonrpc.ts";
import { capabilitiesOf, Session, TOO_MANY_SESSIONS } from "./sessions.ts";
import { createSseStream, SSE_HEADERS } from "./sse.ts";
import type { FrontDeps } from "./streamableHttp.ts";

/**
 * Legacy HTTP+SSE (2024-11-05): GET /sse opens the session's one stream, whose first
 * event names the URL to POST to; every answer then travels on that stream.
 */
export function openLegacyStream(ctx: BridgeContext, deps: FrontDeps): Response {
  if (!deps.sessions.makeRoom(ctx.instanceRef)) return rpcError(503, SERVER_ERROR, TOO_MANY_SESSIONS);
  const session = new Session(ctx.instanceRef, "legacy", deps.now());
  const stream = createSseStream({
    // The stream is the session: when the client leaves, so does the session.
    onClose: () => {
      deps.pool.peek(ctx.instanceRef)?.detach(session.id);
      deps.sessions.remove(session);
    },
  });
  session.stream = stream;
  deps.sessions.add(session);
  // Built from the client's prefix, so the POST URL stays under its instance URL.
  stream.send(`${ctx.publicPrefix}/messages?sessionId=${encodeURIComponent(session.id)}`, "endpoint");
  return new Response(stream.body, { status: 200, headers: SSE_HEADERS });
}

export async function postLegacyMessage(req: Request, ctx: BridgeContext, deps: FrontDeps): Promise<Response> {
  const id = new URL(req.url).searchParams.get("sessionId");
  if (!id) return rpcError(400, INVALID_REQUEST, "Bad Request: sessionId query parameter is required");
  const session = deps.sessions.get(id, ctx.instanceRef);
  if (!session || session.kind !== "legacy") return rpcError(404, INVALID_REQUEST, "Session not found");
  session.lastActiveAt = deps.now();

  let body: unknown;
  try {
    body = JSON.parse(await req.text());
  } catch {
    return rpcError(400, PARSE_ERROR, "Parse error: the body is not JSON");
  }
  const msgs = (Array.isArray(body) ? body : [body]) as unknown[];
  if (msgs.length === 0 || !msgs.every(isJsonRpcMessage)) {
    return rpcError(400, INVALID_REQUEST, "Invalid Request: expected JSON-RPC 2.0 messages");
  }
  const messages = msgs as JsonRpcMessage[];
  const firstId = (messages.find(isRequest) as JsonRpcRequest | undefined)?.id ?? null;

  const init = messages.find((m) => isRequest(m) && m.method === "initialize") as JsonRpcRequest | undefined;
  if (init) {
    session.capabilities = capabilitiesOf(init.params);
    const got = await muxFor(deps.pool, session, ctx, init.params);
    if (isUnavailable(got)) return rpcError(got.status, SERVER_ERROR, got.message, init.id);
    session.deliver({ jsonrpc: "2.0", id: init.id, result: got.initialize(init.params) });
    return accepted();
  }

  let mux = deps.pool.peek(ctx.instanceRef);
  if (needsChild(messages)) {
    const got = await muxFor(deps.pool, session, ctx);
    if (isUnavailable(got)) return rpcError(got.status, SERVER_ERROR, got.message, firstId);
    mux = got;
  }
  for (const m of messages) {
    void forward(mux, session, m).then((answer) => {
      if (answer) session.deliver(answer);
    });
  }
  return accepted();
}

const accepted = () => new Response("Accepted", { status: 202 });
