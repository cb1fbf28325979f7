import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { mcpHeaderProblem } from "../util/mcpHeaders.ts";
import { DEFAULT_CAPS, evictFor, type CapLimits } from "../util/sessionCap.ts";

export interface McpEndpointOptions {
  /** a fresh MCP server: one per session, or one per stateless request */
  makeServer(): McpServer;
  maxBodyBytes: number;
  /** a session with no request and no open stream for this long is closed */
  sessionIdleMs?: number;
  /** sessions kept per instance and in all (src/util/sessionCap.ts) */
  sessionCaps?: CapLimits;
}

export interface McpEndpoint {
  handle(req: Request): Promise<Response>;
  readonly sessionCount: number;
  close(): Promise<void>;
}

interface Session {
  /** the instance (x-mcpd-instance) whose client opened it */
  instance: string;
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  /** responses (SSE streams included) still being read */
  open: number;
}

/** Long enough for a person to come back to a conversation; short enough that abandoned sessions go. */
export const SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_EVERY_MS = 60_000;

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status, headers });

/**
 * The MCP endpoint of a shared service, for both protocol generations:
 * - session-based (2025-06-18, 2025-11-25): `initialize` opens a session with its own
 *   server and transport, found again by `Mcp-Session-Id`, closed on DELETE or idleness;
 * - stateless (2026-07-28): a POST without a session id that is not `initialize` gets a
 *   fresh server and stateless transport that live as long as its response.
 */
export function createMcpEndpoint(opts: McpEndpointOptions): McpEndpoint {
  const sessions = new Map<string, Session>();
  const idleMs = opts.sessionIdleMs ?? SESSION_IDLE_MS;

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (s.open === 0 && now - s.lastSeen > idleMs) void closeSession(id, s);
  }, Math.min(SWEEP_EVERY_MS, idleMs));
  sweep.unref();

  async function closeSession(id: string, s: Session) {
    sessions.delete(id);
    await s.server.close().catch(() => {});
  }

  async function openSession(req: Request): Promise<Response> {
    const instance = req.headers.get("x-mcpd-instance") ?? "";
    const room = evictFor(
      [...sessions].map(([id, s]) => ({ id, s, instance: s.instance, lastSeen: s.lastSeen, busy: s.open > 0 })),
      instance,
      opts.sessionCaps ?? DEFAULT_CAPS,
    );
    if (!room) return jsonRpcError(503, -32000, "Too many sessions with a request or stream open on this instance; close one and try again", { "retry-after": "5" });
    for (const gone of room) void closeSession(gone.id, gone.s);
    const server = opts.makeServer();
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: opts.maxBodyBytes,
      onsessioninitialized: (id) => {
        session = { instance, server, transport, lastSeen: Date.now(), open: 0 };
        sessions.set(id, session);
      },
      onsessionclosed: (id) => void sessions.delete(id),
    });
    // Set before connect: the server chains its own onclose after ours.
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    const res = await transport.handleRequest(req);
    // A failed initialize leaves no session behind.
    if (!session) await server.close().catch(() => {});
    return session ? track(res, session) : res;
  }

  async function stateless(req: Request, parsedBody: unknown): Promise<Response> {
    const server = opts.makeServer();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    const res = await transport.handleRequest(withKnownVersion(req), { parsedBody });
    return whenDone(res, () => void server.close().catch(() => {}));
  }

  function track(res: Response, s: Session): Response {
    s.open++;
    return whenDone(res, () => {
      s.open--;
      s.lastSeen = Date.now();
    });
  }

  return {
    get sessionCount() {
      return sessions.size;
    },
    async handle(req) {
      const sid = req.headers.get("mcp-session-id");
      if (sid) {
        const s = sessions.get(sid);
        if (!s) return jsonRpcError(404, -32001, "Session not found");
        s.lastSeen = Date.now();
        if (req.method !== "POST") return track(await s.transport.handleRequest(req), s);
        const read = await readMessages(req, opts.maxBodyBytes);
        if (read instanceof Response) return read;
        return track(await s.transport.handleRequest(withKnownVersion(read.replay), { parsedBody: read.parsed }), s);
      }
      if (req.method === "GET" || req.method === "DELETE") {
        // No session, so no server-to-client stream to open or session to end.
        return jsonRpcError(405, -32000, "Method not allowed without an Mcp-Session-Id", { allow: "POST" });
      }
      if (req.method !== "POST") return jsonRpcError(405, -32000, "Method not allowed", { allow: "GET, POST, DELETE" });

      const read = await readMessages(req, opts.maxBodyBytes);
      if (read instanceof Response) return read;
      const { messages, replay, parsed } = read;
      if (messages.some((m) => isInitializeRequest(m))) return openSession(replay);
      return stateless(replay, parsed);
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions].map(([id, s]) => closeSession(id, s)));
    },
  };
}

/**
 * The SDK (1.32) rejects a protocol version header it does not know with 400, and knows
 * nothing past 2025-11-25. A request of the stateless revision (2026-07-28; any other
 * unknown one was refused by mcpHeaderProblem) is served as the latest revision the SDK
 * speaks, which is what a stateless call needs.
 */
function withKnownVersion(req: Request): Request {
  const v = req.headers.get("mcp-protocol-version");
  if (!v || SUPPORTED_PROTOCOL_VERSIONS.includes(v) || v < LATEST_PROTOCOL_VERSION) return req;
  const headers = new Headers(req.headers);
  headers.set("mcp-protocol-version", LATEST_PROTOCOL_VERSION);
  return new Request(req.url, { method: req.method, headers });
}

/**
 * A POST's JSON-RPC messages, or the error answer: too large, not JSON, or MCP headers
 * that the spec refuses (mcpHeaderProblem, the same check as the stdio bridge's). `replay`
 * is the request again with its body, for the SDK's transport.
 */
async function readMessages(req: Request, max: number): Promise<{ messages: unknown[]; parsed: unknown; replay: Request } | Response> {
  const body = await readCapped(req, max);
  if (body === null) return jsonRpcError(413, -32000, `Request body larger than ${max} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return jsonRpcError(400, -32700, "Parse error: Invalid JSON");
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const problem = mcpHeaderProblem(req.headers, messages);
  if (problem) return jsonRpcError(400, -32600, problem);
  return { messages, parsed, replay: new Request(req.url, { method: "POST", headers: req.headers, body }) };
}

/** The body as text, or null past `max` bytes (read no further than that). */
async function readCapped(req: Request, max: number): Promise<string | null> {
  if (Number(req.headers.get("content-length") ?? 0) > max) return null;
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Calls `done` once the response body has been read to the end or abandoned by the
 * client, keeping the stream a stream (the pipe honours backpressure).
 */
function whenDone(res: Response, done: () => void): Response {
  if (!res.body) {
    done();
    return res;
  }
  const pass = new TransformStream<Uint8Array, Uint8Array>();
  res.body.pipeTo(pass.writable).then(done, done);
  return new Response(pass.readable, { status: res.status, statusText: res.statusText, headers: res.headers });
}
