import { mcpHeaderProblem, STATELESS_PROTOCOL_VERSION } from "../util/mcpHeaders.ts";
import { forward, isUnavailable, jsonResponse, muxFor, needsChild, rpcError } from "./dispatch.ts";
import type { BridgeContext } from "./index.ts";
import {
  isJsonRpcMessage,
  isRequest,
  INVALID_REQUEST,
  PARSE_ERROR,
  SERVER_ERROR,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc.ts";
import type { ChildPool } from "./pool.ts";
import { capabilitiesOf, Session, TOO_MANY_SESSIONS, type SessionTable } from "./sessions.ts";
import { createSseStream, SSE_HEADERS } from "./sse.ts";

/**
 * Requests answered at once and never followed by notifications: these get a plain JSON
 * answer even when the client accepts SSE. Anything else (tools/call above all) may send
 * progress, logs or a sampling request first, so it gets a stream when the client takes one.
 */
const QUICK_METHODS = new Set([
  "ping",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/subscribe",
  "resources/unsubscribe",
  "logging/setLevel",
  "completion/complete",
]);

export interface FrontDeps {
  pool: ChildPool;
  sessions: SessionTable;
  now: () => number;
}

/** Streamable HTTP (2025-03-26 and later) on the service's MCP path: POST, GET stream, DELETE. */
export async function handleStreamable(req: Request, ctx: BridgeContext, deps: FrontDeps): Promise<Response> {
  switch (req.method) {
    case "POST":
      return post(req, ctx, deps);
    case "GET":
      return get(req, ctx, deps);
    case "DELETE":
      return del(req, ctx, deps);
    default:
      return new Response(JSON.stringify(errorBody("method not allowed: use POST, GET or DELETE")), {
        status: 405,
        headers: { allow: "GET, POST, DELETE", "content-type": "application/json" },
      });
  }
}

async function post(req: Request, ctx: BridgeContext, deps: FrontDeps): Promise<Response> {
  const accept = req.headers.get("accept") ?? "*/*";
  const acceptsSse = accept.includes("text/event-stream");
  if (!acceptsSse && !accept.includes("application/json") && !accept.includes("*/*")) {
    return rpcError(406, INVALID_REQUEST, "Not Acceptable: accept application/json and text/event-stream");
  }
  if (!(req.headers.get("content-type") ?? "").includes("application/json")) {
    return rpcError(415, INVALID_REQUEST, "Unsupported Media Type: send Content-Type: application/json");
  }
  let body: unknown;
  try {
    body = JSON.parse(await req.text());
  } catch {
    return rpcError(400, PARSE_ERROR, "Parse error: the body is not JSON");
  }
  const batch = Array.isArray(body);
  const msgs = (batch ? body : [body]) as unknown[];
  if (msgs.length === 0 || !msgs.every(isJsonRpcMessage)) {
    return rpcError(400, INVALID_REQUEST, "Invalid Request: expected JSON-RPC 2.0 messages");
  }
  const messages = msgs as JsonRpcMessage[];

  const init = messages.find((m) => isRequest(m) && m.method === "initialize") as JsonRpcRequest | undefined;
  if (init) {
    if (messages.length > 1) return rpcError(400, INVALID_REQUEST, "Invalid Request: initialize must be sent alone", init.id);
    return initialize(init, ctx, deps);
  }

  const problem = mcpHeaderProblem(req.headers, messages);
  if (problem) return rpcError(400, INVALID_REQUEST, problem, (messages.find(isRequest) as JsonRpcRequest | undefined)?.id ?? null);
  const version = req.headers.get("mcp-protocol-version");
  const found = findSession(req, ctx, deps, version === STATELESS_PROTOCOL_VERSION);
  if (found instanceof Response) return found;
  const session = found;
  session.lastActiveAt = deps.now();

  let mux = deps.pool.peek(ctx.instanceRef);
  if (needsChild(messages)) {
    const got = await muxFor(deps.pool, session, ctx);
    if (isUnavailable(got)) {
      const firstId = (messages.find(isRequest) as JsonRpcRequest | undefined)?.id ?? null;
      return rpcError(got.status, SERVER_ERROR, got.message, firstId);
    }
    mux = got;
  }
  const requests = messages.filter(isRequest);
  const done = () => {
    if (session.kind === "stateless") mux?.detach(session.id);
  };
  if (requests.length === 0) {
    for (const m of messages) void forward(mux, session, m);
    done();
    return new Response(null, { status: 202 });
  }

  if (!acceptsSse || requests.every((r) => QUICK_METHODS.has(r.method))) {
    const answers = await Promise.all(messages.map((m) => forward(mux, session, m)));
    done();
    const out = answers.filter((a): a is JsonRpcResponse => a !== null);
    return jsonResponse(200, batch ? out : out[0]);
  }

  // A stream for this POST: related notifications first, then the answers, then the end.
  const stream = createSseStream();
  const related = (m: JsonRpcMessage) => stream.send(m);
  void Promise.all(
    messages.map((m) =>
      forward(mux, session, m, related).then((answer) => {
        if (answer) stream.send(answer);
      }),
    ),
  ).then(() => {
    done();
    stream.close();
  });
  return new Response(stream.body, { status: 200, headers: { ...SSE_HEADERS, ...sessionHeader(session) } });
}

async function initialize(init: JsonRpcRequest, ctx: BridgeContext, deps: FrontDeps): Promise<Response> {
  if (!deps.sessions.makeRoom(ctx.instanceRef)) return rpcError(503, SERVER_ERROR, TOO_MANY_SESSIONS, init.id);
  const session = new Session(ctx.instanceRef, "streamable", deps.now());
  session.capabilities = capabilitiesOf(init.params);
  const got = await muxFor(deps.pool, session, ctx, init.params);
  if (isUnavailable(got)) return rpcError(got.status, SERVER_ERROR, got.message, init.id);
  deps.sessions.add(session);
  const result = got.initialize(init.params);
  return jsonResponse(200, { jsonrpc: "2.0", id: init.id, result }, sessionHeader(session));
}

/** A standing stream for what the child sends outside any request (list changes, logs, sampling). */
function get(req: Request, ctx: BridgeContext, deps: FrontDeps): Response {
  if (!(req.headers.get("accept") ?? "").includes("text/event-stream")) {
    return rpcError(406, INVALID_REQUEST, "Not Acceptable: a GET stream needs Accept: text/event-stream");
  }
  const found = findSession(req, ctx, deps, false);
  if (found instanceof Response) return found;
  const session = found;
  if (session.stream && !session.stream.closed) {
    return rpcError(409, INVALID_REQUEST, "Conflict: this session already has a GET stream open");
  }
  const stream = createSseStream({
    onClose: () => {
      if (session.stream === stream) session.stream = null;
      session.lastActiveAt = deps.now();
    },
  });
  session.stream = stream;
  return new Response(stream.body, { status: 200, headers: { ...SSE_HEADERS, ...sessionHeader(session) } });
}

function del(req: Request, ctx: BridgeContext, deps: FrontDeps): Response {
  const found = findSession(req, ctx, deps, false);
  if (found instanceof Response) return found;
  deps.pool.peek(ctx.instanceRef)?.detach(found.id);
  deps.sessions.remove(found);
  return new Response(null, { status: 200 });
}

function findSession(req: Request, ctx: BridgeContext, deps: FrontDeps, stateless: boolean): Session | Response {
  const id = req.headers.get("mcp-session-id");
  if (!id) {
    if (stateless) return new Session(ctx.instanceRef, "stateless", deps.now());
    return rpcError(400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
  }
  return deps.sessions.get(id, ctx.instanceRef) ?? rpcError(404, INVALID_REQUEST, "Session not found");
}

const sessionHeader = (s: Session): Record<string, string> => (s.kind === "stateless" ? {} : { "mcp-session-id": s.id });
const errorBody = (message: string) => ({ error: message });
