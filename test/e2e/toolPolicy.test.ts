// Tool policies through the compiled daemon, as a self-hoster sets them with the CLI and an
// agent meets them with the SDK client: the shipped GitHub service against a fake GitHub
// on loopback, and a stdio service (the bridge) from the fixtures.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectClient } from "../helpers/mcpClient.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { startPortsDaemon, type PortsDaemon } from "../helpers/portsDaemon.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startFakeGithub, type FakeGithub } from "../fixtures/upstreams/github.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXTURES = join(import.meta.dir, "../fixtures");
const TOKEN = "ghp_policy0000000000000000000000000000";

let tmp: ReturnType<typeof tempDir>;
let fake: FakeGithub;
let d: PortsDaemon;
const mcpd = (args: string[], stdin?: string) => d.mcpd(args, { stdin });

const connect = (url: string) => connectClient(url, "policy-test");

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();

beforeAll(async () => {
  tmp = tempDir("mcpd-tool-policy");
  fake = startFakeGithub({ users: { [TOKEN]: "alice" } });
  const portsDir = join(tmp.dir, "ports");
  cpSync(join(ROOT, "mcp-ports/github"), join(portsDir, "github"), { recursive: true });
  const gh = join(portsDir, "github", "config.json");
  writeFileSync(gh, JSON.stringify({ ...JSON.parse(readFileSync(gh, "utf8")), port: await freePort() }));
  mkdirSync(join(portsDir, "fx"), { recursive: true });
  writeFileSync(
    join(portsDir, "fx", "config.json"),
    JSON.stringify({
      name: "fx", prefix: "fx", port: await freePort(), transport: "stdio", mode: "per-user", start: "on-demand",
      run: { command: ["node", "stdio-fingerprint.mjs"], cwd: FIXTURES },
      credential: { env: { ENVKEY_TOKEN: "{secret}" }, validate: { local: "non-empty" } },
    }),
  );
  d = await startPortsDaemon(tmp.dir, portsDir, {
    env: { GITHUB_API_BASE: fake.url },
    ready: async (x) => JSON.parse((await x.mcpd(["status", "--json"])).stdout || "null")?.services.find((s: { name: string }) => s.name === "github")?.state === "healthy",
  });
}, 60_000);

afterAll(async () => {
  await d?.stop();
  await fake?.stop();
  tmp?.cleanup();
}, 20_000);

test("a --read-only GitHub URL lists only the read tools and gets a JSON-RPC error for create_issue, which GitHub never sees; instance tools --all lifts it on the next request", async () => {
  const added = await mcpd(["user", "add", "--service", "github", "--user", "alice", "--read-only", "--key-stdin", "--json"], TOKEN);
  expect(added.code).toBe(0);
  const { url, ref, tools } = JSON.parse(added.stdout);
  expect(tools).toBe("read-only");

  const client = await connect(url);
  const listed = await names(client);
  expect(listed).toContain("get_me");
  expect(listed).toContain("list_repos");
  expect(listed).not.toContain("create_issue");
  expect(listed).not.toContain("add_issue_comment");

  expect((await client.callTool({ name: "get_me", arguments: {} })).isError).toBeFalsy();
  fake.requests.length = 0;
  const denied = client.callTool({ name: "create_issue", arguments: { owner: "octo-org", repo: "widgets", title: "x" } });
  await expect(denied).rejects.toThrow(/tool "create_issue" is not allowed on instance .* \(its tool policy: read-only\)/);
  expect(fake.requests).toEqual([]);

  // Audit rows are written in batches: wait for the one this denial left.
  await waitFor(async () => {
    const rows = JSON.parse((await mcpd(["audit", "--json", "--user", "alice"])).stdout) as Array<{ event: string | null; tool: string | null }>;
    return rows.some((r) => r.event === "tool-denied" && r.tool === "create_issue");
  }, { timeoutMs: 15_000, what: "the tool-denied audit row" });
  const list = JSON.parse((await mcpd(["user", "list", "--json"])).stdout);
  expect(list.find((r: { ref: string }) => r.ref === ref).tools).toBe("read-only");
  const status = JSON.parse((await mcpd(["status", "--json"])).stdout);
  expect(status.toolPolicies).toContainEqual({ ref, user: "alice", service: "github", tools: "read-only" });

  const lifted = await mcpd(["instance", "tools", ref, "--all"]);
  expect(lifted.code).toBe(0);
  expect(lifted.stdout).toContain("may now call: all tools (was: read-only)");
  // The same session, the very next request: the CLI's commit has reached the daemon.
  expect(await names(client)).toContain("create_issue");
  const created = await client.callTool({ name: "create_issue", arguments: { owner: "octo-org", repo: "widgets", title: "x" } });
  expect(created.isError).toBeFalsy();
  expect(fake.requests.some((r) => r.method === "POST" && r.path === "/repos/octo-org/widgets/issues")).toBe(true);
  await client.close();
}, 60_000);

test("a stdio service's URL limited to --tools 'who*,echo' lists and calls only those, the rest never reach the child", async () => {
  const added = await mcpd(["user", "add", "--service", "fx", "--user", "bob", "--tools", "who*,echo", "--key-stdin", "--json"], "key-of-bob");
  expect(added.code).toBe(0);
  const { url, ref } = JSON.parse(added.stdout);
  const client = await connect(url);
  expect(await names(client)).toEqual(["echo", "whoami"]);
  const said = await client.callTool({ name: "echo", arguments: { text: "hi" } });
  expect((said.content as Array<{ text: string }>)[0]!.text).toBe("hi");
  // `stats` would answer; `crash` would end the child: neither may run.
  await expect(client.callTool({ name: "crash", arguments: {} })).rejects.toThrow(/tool "crash" is not allowed on instance .*only who\*,echo/);
  expect((await client.callTool({ name: "whoami", arguments: {} })).isError).toBeFalsy();

  // A batch that hides a denied call among allowed ones is refused whole.
  const batch = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "a" } } },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "crash", arguments: {} } },
    ]),
  });
  const answers = (await batch.json()) as Array<{ id: number; error?: { code: number; data: { code: string } } }>;
  expect(answers.map((a) => [a.id, a.error?.code, a.error?.data.code])).toEqual([
    [1, -32602, "tool-denied"],
    [2, -32602, "tool-denied"],
  ]);

  const changed = await mcpd(["instance", "tools", ref, "--allow", "stats"]);
  expect(changed.code).toBe(0);
  expect(await names(client)).toEqual(["stats"]);
  await expect(client.callTool({ name: "echo", arguments: { text: "hi" } })).rejects.toThrow(/tool "echo" is not allowed/);
  await client.close();
}, 60_000);

test("instance tools says what it needs, and a flag that makes no sense with another is one line", async () => {
  const none = await mcpd(["instance", "tools", "gh_alice_00000000"]);
  expect(none.code).not.toBe(0);
  expect(none.stderr.trim().split("\n")).toHaveLength(1);
  expect(none.stderr).toContain("--allow GLOBS, --read-only, or --all");
  const both = await mcpd(["instance", "tools", "gh_alice_00000000", "--all", "--read-only"]);
  expect(both.stderr).toContain("not both");
  const unknown = await mcpd(["instance", "tools", "gh_alice_00000000", "--all"]);
  expect(unknown.stderr).toContain("no instance matches");
});

test("an unsupported MCP-Protocol-Version, and an Mcp-Method that disagrees with the body, get the same 400 from a builtin and a bridged service", async () => {
  const urls: string[] = [];
  for (const [service, key] of [["github", TOKEN], ["fx", "key-of-carol"]]) {
    const added = await mcpd(["user", "add", "--service", service!, "--user", "carol", "--key-stdin", "--json"], key);
    expect(added.code).toBe(0);
    urls.push(JSON.parse(added.stdout).url);
  }
  const post = (url: string, headers: Record<string, string>, method: string) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method, params: {} }),
    });
  for (const url of urls) {
    const future = await post(url, { "mcp-protocol-version": "2099-01-01" }, "tools/list");
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { message: string } }).error.message).toMatch(/unsupported protocol version 2099-01-01 \(supported: .*2025-11-25.*2026-07-28\)/);
    const mismatch = await post(url, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }, "tools/call");
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error: { message: string } }).error.message).toContain("the Mcp-Method header (tools/list) does not match the body's method (tools/call)");
    const ok = await post(url, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }, "tools/list");
    expect(ok.status).toBe(200);
    await ok.text();
  }
}, 60_000);
