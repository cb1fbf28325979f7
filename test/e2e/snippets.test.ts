// What `mcpd user add` prints after the URL is pasted into a client's config as it is:
// through the compiled daemon, the URL in each snippet is the one printed and it works.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDemoDaemon, type DemoDaemon } from "../helpers/demoDaemon.ts";

let d: DemoDaemon;
beforeAll(async () => void (d = await startDemoDaemon("mcpd-e2e-snippets")), 60_000);
afterAll(async () => d?.stop(), 20_000);

/** The indented block under a label line, as printed. */
const blockAfter = (out: string, label: string) => {
  const lines = out.split("\n");
  const at = lines.findIndex((l) => l.startsWith(label));
  const block: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith("    ")) break;
    block.push(l.slice(4));
  }
  return block.join("\n");
};

test("user add prints, after the URL, how to connect each common client, and each snippet's URL works", async () => {
  const r = await d.mcpd(["user", "add", "--service", "demo", "--user", "carol", "--no-validate", "--key-stdin"], "key-of-carol-123");
  expect(r.code).toBe(0);
  const url = /^ {2}(http:\/\/\S+)$/m.exec(r.stdout)![1]!;
  expect(blockAfter(r.stdout, "Claude Code")).toBe(`claude mcp add --transport http demo '${url}'`);
  expect(JSON.parse(blockAfter(r.stdout, "Claude Desktop"))).toEqual({ mcpServers: { demo: { command: "npx", args: ["-y", "mcp-remote", url] } } });
  expect(JSON.parse(blockAfter(r.stdout, "Cursor"))).toEqual({ mcpServers: { demo: { url } } });
  const vscode = JSON.parse(blockAfter(r.stdout, "VS Code")) as { servers: { demo: { type: string; url: string } } };
  expect(vscode.servers.demo.type).toBe("http");

  const client = new Client({ name: "snippet-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(vscode.servers.demo.url)));
  const who = (await client.callTool({ name: "whoami", arguments: {} })).content as Array<{ text: string }>;
  expect(who[0]!.text).toContain("carol");
  await client.close();
}, 60_000);

test("--client prints only that client's snippet; an unknown one is one line naming the known ones", async () => {
  const one = await d.mcpd(["user", "add", "--service", "demo", "--user", "dave", "--no-validate", "--key-stdin", "--client", "cursor"], "key-of-dave-123");
  expect(one.code).toBe(0);
  expect(one.stdout).toContain("Cursor (.cursor/mcp.json):");
  expect(one.stdout).not.toContain("claude mcp add");
  const rotated = await d.mcpd(["instance", "rotate", "--user", "dave", "--service", "demo", "--client", "claude-code"]);
  const url = /^ {2}(http:\/\/\S+)$/m.exec(rotated.stdout)![1]!;
  expect(rotated.stdout).toContain(`claude mcp add --transport http demo '${url}'`);
  const bad = await d.mcpd(["user", "add", "--service", "demo", "--user", "erin", "--no-validate", "--key-stdin", "--client", "emacs"], "key-of-erin-123");
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toBe("mcpd: --client: no client \"emacs\" (known: claude-code, claude-desktop, cursor, vscode, json)\n");
});
