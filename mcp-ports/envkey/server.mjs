// envkey: a tiny stdio MCP server that shows which key it was started with, without
// showing the key. mcpd starts one per user (mode "per-user") with the user's key in
// ENVKEY_TOKEN; its tool answers with the key's 16-hex sha256 fingerprint (the one `mcpd user list` shows) and the pid,
// so you can see that each user reaches their own process with their own key.
// Dependency-free on purpose: it runs with the node that every target machine has.
import { createHash } from "node:crypto";

const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
const key = process.env.ENVKEY_TOKEN ?? "";
const fingerprint = key ? createHash("sha256").update(key).digest("hex").slice(0, 16) : null;
const startedAt = new Date().toISOString();

const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const TOOLS = [
  {
    name: "whoami",
    description: "The fingerprint (short sha256) of the key this server was started with, and its process id.",
    inputSchema: { type: "object", properties: {} },
  },
];

function call(name) {
  if (name !== "whoami") return { isError: true, content: [{ type: "text", text: `unknown tool ${name}` }] };
  const info = { fingerprint, pid: process.pid, startedAt };
  return {
    content: [{ type: "text", text: fingerprint ? `key ${fingerprint} · pid ${process.pid}` : `no key set · pid ${process.pid}` }],
    structuredContent: info,
  };
}

function handle(msg) {
  if (typeof msg !== "object" || msg === null || msg.id === undefined || msg.method === undefined) return;
  const ok = (result) => send({ jsonrpc: "2.0", id: msg.id, result });
  const fail = (code, message) => send({ jsonrpc: "2.0", id: msg.id, error: { code, message } });
  switch (msg.method) {
    case "initialize": {
      const asked = msg.params?.protocolVersion;
      return ok({
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: "envkey", version: "1.0.0" },
        instructions: "Call whoami to see which key this server runs with.",
      });
    }
    case "ping":
      return ok({});
    case "tools/list":
      return ok({ tools: TOOLS });
    case "tools/call":
      return ok(call(msg.params?.name));
    default:
      return fail(-32601, `method not found: ${msg.method}`);
  }
}

let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (!line) continue;
    try {
      handle(JSON.parse(line));
    } catch {
      send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    }
  }
});
// mcpd closes stdin to stop us; leave promptly.
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
