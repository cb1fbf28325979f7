// The demo's stdio form (`mcpd __service demo --stdio`), driven the way stdio gateways
// (supergateway, mcp-proxy) and desktop MCP clients drive it: the SDK's StdioClientTransport
// spawns it, with the user's key in the environment variable the bench also uses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LoggingMessageNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { fingerprintOf } from "../../src/accounts/fingerprint.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { STDIO_KEY_ENV } from "../../src/services/stdio.ts";
import { waitFor } from "../helpers/net.ts";
import { callJson, connect, ROOT, startHost, textOf } from "./harness.ts";

const KEY = "demo-key-stdio-0123456789";
const MAIN = join(ROOT, "src/cli/main.ts");

interface StdioDemo {
  client: Client;
  stderr(): string;
}

async function startStdio(env: Record<string, string>): Promise<StdioDemo> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, "__service", "demo", "--stdio"],
    cwd: ROOT,
    env: { MCPD_SERVICE_DIR: join(ROOT, "mcp-ports", "demo"), ...env },
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const client = new Client({ name: "mcpd-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => err };
}

let demo: StdioDemo;

beforeAll(async () => {
  demo = await startStdio({ [STDIO_KEY_ENV]: KEY });
});

afterAll(async () => {
  await demo?.client.close();
});

describe("the demo in stdio form", () => {
  test("whoami shows the fingerprint of the key in the environment, as `mcpd user list` would", async () => {
    const who = await callJson(demo.client, "whoami");
    expect(who.keyFingerprint).toBe(fingerprintOf(new Secret(KEY)));
    expect(who.keyFingerprint).toHaveLength(16);
    expect(JSON.stringify(who)).not.toContain(KEY);
  });

  test("it has exactly the tools of the shared HTTP demo, with the same input schemas", async () => {
    const host = await startHost("demo");
    try {
      const http = await connect(host, { credential: ["X-Demo-Key", KEY], user: "alice", instance: "demo_alice_ref" });
      try {
        const byName = (tools: Array<{ name: string }>) => [...tools].sort((a, b) => a.name.localeCompare(b.name));
        const overStdio = byName((await demo.client.listTools()).tools);
        expect(overStdio.map((t) => t.name)).toEqual(["echo", "note_get", "note_set", "slow_count", "whoami"]);
        expect(overStdio).toEqual(byName((await http.listTools()).tools));
      } finally {
        await http.close();
      }
    } finally {
      await host.stop();
    }
  });

  test("echo, notes and slow_count work, progress streamed before the result", async () => {
    expect(textOf(await demo.client.callTool({ name: "echo", arguments: { text: "over stdio" } }))).toBe("over stdio");
    await callJson(demo.client, "note_set", { name: "n", text: "kept" });
    expect(await callJson(demo.client, "note_get", { name: "n" })).toEqual({ name: "n", text: "kept", names: ["n"] });
    const progress: number[] = [];
    const logged: string[] = [];
    demo.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push(String(n.params.data)));
    const result = (await demo.client.callTool({ name: "slow_count", arguments: { n: 3, delayMs: 100 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    })) as CallToolResult;
    expect(textOf(result)).toBe("counted to 3");
    // The SDK client handles a notification a microtask later than a response, and drops the
    // progress handler with the response: a last step read in the same chunk as the result
    // is lost on the client's side. The steps before it arrived on their own, one by one.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([1, 2, 3].slice(0, progress.length));
    await waitFor(() => logged.length === 3, { what: "three slow_count log messages" });
    expect(logged).toEqual(["count 1/3", "count 2/3", "count 3/3"]);
  });

  test("it leaves when the client closes its stdin", async () => {
    const other = await startStdio({ [STDIO_KEY_ENV]: KEY });
    await other.client.callTool({ name: "whoami", arguments: {} });
    await other.client.close();
    expect(other.stderr()).toContain("stopping (stdin closed)");
  });

  test("without the key it refuses to start, naming the variable", async () => {
    const proc = Bun.spawn([process.execPath, MAIN, "__service", "demo", "--stdio"], {
      cwd: ROOT,
      env: { ...process.env, [STDIO_KEY_ENV]: "" },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).not.toBe(0);
    expect(err).toContain(STDIO_KEY_ENV);
    expect(out).toBe("");
  });
});
