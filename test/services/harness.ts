// Runs a builtin service the way the supervisor does (`mcpd __service <id>` as a child
// with PORT, MCPD_INTERNAL_TOKEN and a stdin pipe) and talks to it the way the proxy does:
// the SDK client with the injected credential, x-mcpd-user, x-mcpd-instance and
// x-mcpd-internal headers on every request.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { freePort, waitFor } from "../helpers/net.ts";

export const ROOT = join(import.meta.dir, "..", "..");

export interface HostProcess {
  id: string;
  port: number;
  /** the MCP endpoint */
  url: string;
  token: string;
  proc: ReturnType<typeof Bun.spawn<"pipe", "pipe", "pipe">>;
  /** what the child printed so far (stdout + stderr) */
  output(): string;
  stop(): Promise<void>;
}

export async function startHost(id: string, env: Record<string, string> = {}): Promise<HostProcess> {
  const port = await freePort();
  const token = `internal-${crypto.randomUUID()}`;
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/cli/main.ts"), "__service", id], {
    cwd: ROOT,
    env: { ...process.env, MCPD_SERVICE_DIR: join(ROOT, "mcp-ports", id), ...env, PORT: String(port), MCPD_INTERNAL_TOKEN: token },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s as unknown as AsyncIterable<Uint8Array>) out += new TextDecoder().decode(chunk);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/health`)).ok, { what: `${id} host health (output: ${out})`, timeoutMs: 15_000 });
  return {
    id,
    port,
    url: `${base}/mcp`,
    token,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

export interface Caller {
  /** the credential header and value the proxy would inject */
  credential: [string, string];
  user: string;
  instance: string;
}

export async function connect(host: HostProcess, caller: Caller, extraHeaders: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "mcpd-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(host.url), {
    requestInit: {
      headers: {
        [caller.credential[0]]: caller.credential[1],
        "x-mcpd-user": caller.user,
        "x-mcpd-instance": caller.instance,
        "x-mcpd-internal": host.token,
        ...extraHeaders,
      },
    },
  });
  await client.connect(transport);
  return client;
}

export function textOf(result: unknown): string {
  const r = result as CallToolResult;
  return r.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

/** Calls a tool expecting success and parses its JSON answer. */
export async function callJson(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (r.isError) throw new Error(`${name} failed: ${textOf(r)}`);
  return JSON.parse(textOf(r));
}

/** Calls a tool expecting a tool error and returns its text. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (!r.isError) throw new Error(`${name} unexpectedly succeeded: ${textOf(r)}`);
  return textOf(r);
}
