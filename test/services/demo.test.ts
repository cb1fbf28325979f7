import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LoggingMessageNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { freePort, waitFor } from "../helpers/net.ts";
import { callError, callJson, connect, ROOT, startHost, textOf, type HostProcess } from "./harness.ts";

const ALICE_KEY = "demo-key-alice-0123456789";
const BOB_KEY = "demo-key-bob-9876543210";
const as = (key: string, user: string) => ({ credential: ["X-Demo-Key", key] as [string, string], user, instance: `demo_${user}_ref` });
const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

let host: HostProcess;
let alice: Client;
let bob: Client;

beforeAll(async () => {
  host = await startHost("demo");
  alice = await connect(host, as(ALICE_KEY, "alice"));
  bob = await connect(host, as(BOB_KEY, "bob"));
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await host?.stop();
});

/** A raw POST as the proxy would forward it, with the internal token unless told otherwise. */
function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(host.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "x-mcpd-internal": host.token,
      "x-demo-key": ALICE_KEY,
      "x-mcpd-user": "alice",
      "x-mcpd-instance": "demo_alice_ref",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** The JSON-RPC messages of an SSE (or JSON) answer. */
async function messagesOf(res: Response): Promise<any[]> {
  const text = await res.text();
  if (res.headers.get("content-type")?.includes("application/json")) return [JSON.parse(text)];
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)));
}

describe("the service host", () => {
  test("/health answers without the internal token", async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  test("a request without the internal token, or with a wrong one, gets 401", async () => {
    for (const headers of [{ "x-mcpd-internal": "" }, { "x-mcpd-internal": "not-the-token" }]) {
      const res = await post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toContain("x-mcpd-internal");
    }
    const other = await fetch(`http://127.0.0.1:${host.port}/anything`);
    expect(other.status).toBe(401);
  });

  test("a stateless request (2026-07-28 style, no session) is answered", async () => {
    const res = await post(
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "whoami", arguments: {} } },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "whoami" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    const [msg] = await messagesOf(res);
    expect(msg.id).toBe(7);
    expect(JSON.parse(msg.result.content[0].text)).toEqual({ user: "alice", instance: "demo_alice_ref", keyFingerprint: fp(ALICE_KEY) });
  });

  test("a closed session is gone: its id then gets 404", async () => {
    const client = await connect(host, as(ALICE_KEY, "alice"));
    const transport = client.transport as unknown as { sessionId?: string; terminateSession(): Promise<void> };
    const sid = transport.sessionId!;
    expect(sid).toBeTruthy();
    await transport.terminateSession();
    await client.close();
    const res = await post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { "mcp-session-id": sid });
    expect(res.status).toBe(404);
  });
});

describe("demo tools", () => {
  test("two users at the same time each see their own user, instance and key fingerprint, never the key", async () => {
    const [a, b] = await Promise.all([alice.callTool({ name: "whoami", arguments: {} }), bob.callTool({ name: "whoami", arguments: {} })]);
    expect(JSON.parse(textOf(a))).toEqual({ user: "alice", instance: "demo_alice_ref", keyFingerprint: fp(ALICE_KEY) });
    expect(JSON.parse(textOf(b))).toEqual({ user: "bob", instance: "demo_bob_ref", keyFingerprint: fp(BOB_KEY) });
    expect(textOf(a)).not.toContain(ALICE_KEY);
  });

  test("echo returns its text", async () => {
    expect(textOf(await alice.callTool({ name: "echo", arguments: { text: "hello, mcpd" } }))).toBe("hello, mcpd");
  });

  test("notes are kept per key: another user's key cannot read them, the same key in another session can", async () => {
    await callJson(alice, "note_set", { name: "plan", text: "alice's secret plan" });
    expect((await callJson(bob, "note_get", { name: "plan" })).text).toBeNull();
    const aliceAgain = await connect(host, as(ALICE_KEY, "alice"));
    try {
      expect(await callJson(aliceAgain, "note_get", { name: "plan" })).toEqual({ name: "plan", text: "alice's secret plan", names: ["plan"] });
    } finally {
      await aliceAgain.close();
    }
  });

  test("slow_count streams a progress and a log notification per step, one by one, before the result", async () => {
    const events: Array<{ kind: string; value: number; at: number }> = [];
    const started = Date.now();
    alice.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      events.push({ kind: "log", value: Number(/count (\d+)\//.exec(String(n.params.data))?.[1]), at: Date.now() - started });
    });
    const result = (await alice.callTool({ name: "slow_count", arguments: { n: 4, delayMs: 400 } }, undefined, {
      onprogress: (p) => events.push({ kind: "progress", value: p.progress, at: Date.now() - started }),
    })) as CallToolResult;
    const doneAt = Date.now() - started;
    expect(textOf(result)).toBe("counted to 4");
    expect(events.filter((e) => e.kind === "progress").map((e) => e.value)).toEqual([1, 2, 3, 4]);
    expect(events.filter((e) => e.kind === "log").map((e) => e.value)).toEqual([1, 2, 3, 4]);
    // Streamed, not buffered: the first step arrived well before the result, and steps are spread out.
    const progress = events.filter((e) => e.kind === "progress");
    expect(progress[0].at).toBeLessThan(doneAt - 800);
    expect(progress[3].at - progress[0].at).toBeGreaterThanOrEqual(900);
  });

  test("a call without the credential header is a tool error naming the header", async () => {
    const nokey = await connect(host, { credential: ["x-unrelated", "1"], user: "eve", instance: "demo_eve_ref" });
    try {
      expect(await callError(nokey, "whoami")).toContain("the X-Demo-Key header is missing");
    } finally {
      await nokey.close();
    }
  });
});

describe("the host's life", () => {
  test("the host exits when its stdin closes", async () => {
    const h = await startHost("demo");
    h.proc.stdin.end();
    expect(await h.proc.exited).toBe(0);
    expect(h.output()).toContain("stopping (stdin closed)");
  });

  test("SIGTERM stops it cleanly", async () => {
    const h = await startHost("demo");
    h.proc.kill("SIGTERM");
    expect(await h.proc.exited).toBe(0);
  });

  test("the host exits when its parent dies, even with no stdin pipe", async () => {
    const port = await freePort();
    // A parent that starts the host with stdin from /dev/null, prints its pid, then waits forever.
    const script = `
      const p = Bun.spawn([process.execPath, ${JSON.stringify(ROOT + "/src/cli/main.ts")}, "__service", "demo"], {
        env: { ...process.env, PORT: "${port}", MCPD_INTERNAL_TOKEN: "t" }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      console.log(p.pid);
      setInterval(() => {}, 1000);`;
    const parent = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", cwd: ROOT });
    const reader = parent.stdout.getReader();
    const childPid = Number(new TextDecoder().decode((await reader.read()).value).trim());
    reader.releaseLock();
    const alive = () => {
      try {
        process.kill(childPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { what: "orphan-to-be health" });
      parent.kill("SIGKILL");
      await parent.exited;
      await waitFor(() => !alive(), { what: "the orphaned host to exit", timeoutMs: 8_000 });
    } finally {
      parent.kill("SIGKILL");
      if (alive()) process.kill(childPid, "SIGKILL");
    }
  });
});
