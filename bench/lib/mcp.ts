// Two ways to speak MCP to one URL, both used by the same closed loop: the official SDK
// client, and raw fetch of JSON-RPC (what a thin client or another proxy would send).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** Where to send MCP requests and which extra headers to add (direct: token + key). */
export interface Target {
  url: string;
  headers: Record<string, string>;
}

export const PROTOCOL_VERSION = "2025-06-18";
const ACCEPT = "application/json, text/event-stream";
const CLIENT_INFO = { name: "mcpd-bench", version: "1" };

/** The JSON-RPC answer from a body that is either plain JSON or an SSE stream of messages. */
export function parseRpcBody(text: string, contentType: string | null): any {
  if (contentType?.includes("text/event-stream")) {
    let last: any;
    for (const line of text.split("\n")) {
      if (line.startsWith("data:")) {
        const msg = JSON.parse(line.slice(5));
        if (msg.id !== undefined && (msg.result !== undefined || msg.error !== undefined)) last = msg;
      }
    }
    return last;
  }
  return text ? JSON.parse(text) : undefined;
}

/** A session-based MCP client over plain fetch: initialize once, then tools/call. */
export class RawSession {
  private nextId = 1;
  private constructor(
    readonly target: Target,
    private readonly headers: Record<string, string>,
    /** How long the initialize request alone took (a cold service's first answer). */
    readonly initializeMs: number,
  ) {}

  static async open(target: Target): Promise<RawSession> {
    const base = { ...target.headers, "content-type": "application/json", accept: ACCEPT };
    const t0 = performance.now();
    const res = await fetch(target.url, {
      method: "POST",
      headers: base,
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO } }),
    });
    const text = await res.text();
    const initializeMs = performance.now() - t0;
    if (res.status !== 200) throw new Error(`initialize: HTTP ${res.status}: ${text.slice(0, 200)}`);
    const sid = res.headers.get("mcp-session-id");
    const headers: Record<string, string> = { ...base, "mcp-protocol-version": PROTOCOL_VERSION };
    if (sid) headers["mcp-session-id"] = sid;
    const note = await fetch(target.url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    await note.arrayBuffer();
    if (note.status >= 300) throw new Error(`notifications/initialized: HTTP ${note.status}`);
    return new RawSession(target, headers, initializeMs);
  }

  /** tools/call, read whole; throws unless the answer is a JSON-RPC result. */
  async call(name: string, args: Record<string, unknown>): Promise<any> {
    const res = await this.post({ jsonrpc: "2.0", id: this.nextId++, method: "tools/call", params: { name, arguments: args } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`tools/call ${name}: HTTP ${res.status}: ${text.slice(0, 200)}`);
    const msg = parseRpcBody(text, res.headers.get("content-type"));
    if (!msg || msg.error || msg.result?.isError) throw new Error(`tools/call ${name}: ${JSON.stringify(msg?.error ?? msg?.result ?? text).slice(0, 200)}`);
    return msg.result;
  }

  /** tools/call whose response the caller reads (the streaming check times each event). */
  callStreaming(name: string, args: Record<string, unknown>): Promise<Response> {
    return this.post({ jsonrpc: "2.0", id: this.nextId++, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: `p${this.nextId}` } } });
  }

  private post(body: unknown): Promise<Response> {
    return fetch(this.target.url, { method: "POST", headers: this.headers, body: JSON.stringify(body) });
  }

  async close(): Promise<void> {
    const sid = this.headers["mcp-session-id"];
    if (!sid) return;
    try {
      const res = await fetch(this.target.url, { method: "DELETE", headers: this.headers });
      await res.arrayBuffer();
    } catch {
      /* the server may already be gone */
    }
  }
}

/** The official SDK client on Streamable HTTP, with the target's headers on every request. */
export async function openSdkClient(target: Target): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers: target.headers } });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport);
  return client;
}

export async function sdkCall(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`tools/call ${name}: ${JSON.stringify(result.content).slice(0, 200)}`);
  return result;
}
