import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { waitFor } from "../helpers/net.ts";
import { openStore } from "../../src/store/index.ts";
import type { Proxy } from "../../src/proxy/index.ts";
import { addUser, callTool, fingerprint, INIT, KEY_HEADER, messages, openSession, reach, rpc, world, type Via, type World } from "./harness.ts";

// Each case runs on the full path and through the bound front, whose lane carries the
// common request itself: isolation must hold either way.
describe.each(["function", "front"] as Via[])("via %s", (via) => {
  let w: World;
  /** the proxy as this block reaches it */
  let px: Proxy;
  let unbind: () => Promise<void>;
  beforeEach(async () => {
    // Isolation tests make thousands of calls on few instances: lift the rate limit.
    w = await world({ service: { limits: { requestsPerMinute: 10_000_000, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 } } });
    ({ proxy: px, close: unbind } = reach(w, via));
  });
  afterEach(async () => {
    await unbind();
    await w.cleanup();
  });

  const whoami = async (url: string, sid: string, id: number) => JSON.parse((await callTool(px, url, sid, "whoami", {}, id)).result.content[0].text);

  test("two users calling whoami at once each get their own credential", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const bob = addUser(w.store, w.keyring, "bob", w.service, "key-of-bob");
    const [sa, sb] = await Promise.all([openSession(px, w.url(alice.id)), openSession(px, w.url(bob.id))]);
    const rounds = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const [a, b] = await Promise.all([whoami(w.url(alice.id), sa, 10 + i), whoami(w.url(bob.id), sb, 10 + i)]);
        return { a, b };
      }),
    );
    for (const { a, b } of rounds) {
      expect(a).toEqual({ user: "alice", instance: alice.ref, fingerprint: fingerprint("key-of-alice") });
      expect(b).toEqual({ user: "bob", instance: bob.ref, fingerprint: fingerprint("key-of-bob") });
    }
  });

  test("user ids with _ @ + (login names, e-mail addresses) each reach their own credential, and the ref names the right user", async () => {
    const ids = ["alice", "alice_smith", "alice@example.com", "alice+mcp@example.com", "a_b_c"];
    const users = ids.map((name) => ({ name, key: `key-of-${name}`, inst: addUser(w.store, w.keyring, name, w.service, `key-of-${name}`) }));
    for (const u of users) {
      const sid = await openSession(px, w.url(u.inst.id));
      expect(await whoami(w.url(u.inst.id), sid, 2)).toEqual({ user: u.name, instance: u.inst.ref, fingerprint: fingerprint(u.key) });
    }
  });

  test("fifty users, thousands of concurrent calls, zero cross-talk", async () => {
    const users = Array.from({ length: 50 }, (_, i) => {
      const name = `user${i}`;
      const key = `secret-${i}-${crypto.randomUUID()}`;
      return { name, inst: addUser(w.store, w.keyring, name, w.service, key), fp: fingerprint(key), sid: "" };
    });
    await Promise.all(users.map(async (u) => (u.sid = await openSession(px, w.url(u.inst.id)))));
    let calls = 0;
    await Promise.all(
      users.map(async (u) => {
        for (let round = 0; round < 8; round++) {
          const answers = await Promise.all(Array.from({ length: 6 }, (_, j) => whoami(w.url(u.inst.id), u.sid, 100 + round * 10 + j)));
          for (const a of answers) expect(a).toEqual({ user: u.name, instance: u.inst.ref, fingerprint: u.fp });
          calls += answers.length;
        }
      }),
    );
    expect(calls).toBe(50 * 8 * 6);
  });

  test("a credential or identity header sent by the client never reaches the service", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    // A JSON-RPC POST, the shape the front's lane carries itself.
    const res = await px.fetch(
      new Request(w.url(alice.id, "/headers"), {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        headers: {
          "content-type": "application/json",
          [KEY_HEADER]: "stolen-key-of-bob",
          "x-mcpd-user": "bob",
          "x-mcpd-instance": "ech_bob_00000000",
          "x-mcpd-internal": "guessed",
          "X-MCPD-Anything": "1",
          connection: "keep-alive, x-private-hop",
          "x-private-hop": "must not pass",
          "keep-alive": "timeout=5",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "whoami",
          "last-event-id": "ev-7",
        },
      }),
      null,
    );
    const seen = (await res.json()) as Record<string, string>;
    // The service got alice's key, not bob's: echoed back, it comes out as the proxy hides
    // alice's own key from every answer (bob's would have passed as it is).
    expect(seen[KEY_HEADER.toLowerCase()]).toBe("[redacted]");
    expect(seen["x-mcpd-user"]).toBe("alice");
    expect(seen["x-mcpd-instance"]).toBe(alice.ref);
    expect(seen["x-mcpd-internal"]).toBe(w.token);
    expect(seen["x-mcpd-anything"]).toBeUndefined();
    expect(seen["x-private-hop"]).toBeUndefined();
    expect(seen["keep-alive"]).toBeUndefined();
    expect(seen["mcp-protocol-version"]).toBe("2026-07-28");
    expect(seen["mcp-method"]).toBe("tools/call");
    expect(seen["mcp-name"]).toBe("whoami");
    expect(seen["last-event-id"]).toBe("ev-7");
  });

  test("a session id sent to a path the service does not serve gets that 404, and the session lives on", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const sid = await openSession(px, w.url(alice.id));
    const wrong = await px.fetch(rpc(w.url(alice.id, "/nope"), { jsonrpc: "2.0", id: 3, method: "tools/list" }, { "mcp-session-id": sid }), null);
    expect(wrong.status).toBe(404);
    expect(JSON.parse((await callTool(px, w.url(alice.id), sid, "whoami")).result.content[0].text).fingerprint).toBe(fingerprint("key-of-alice"));
  });

  test("a session id from another instance gets 404, like an unknown session, and is audited", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const mallory = addUser(w.store, w.keyring, "mallory", w.service, "key-of-mallory");
    const sid = await openSession(px, w.url(alice.id));
    const call = { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "whoami", arguments: {} } };

    const stolen = await px.fetch(rpc(w.url(mallory.id), call, { "mcp-session-id": sid }), null);
    const unknown = await px.fetch(rpc(w.url(mallory.id), call, { "mcp-session-id": crypto.randomUUID() }), null);
    expect(stolen.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await stolen.text()).toBe(await unknown.text());

    // The rightful owner is unaffected.
    expect(JSON.parse((await callTool(px, w.url(alice.id), sid, "whoami", {}, 6)).result.content[0].text).user).toBe("alice");

    await px.close();
    const rows = w.store.audit.query({ userId: "mallory" });
    expect(rows.some((r) => r.event === "session-mismatch" && r.status === 404 && r.instance === mallory.ref)).toBe(true);
  });

  test("DELETE ends a session: the id is forgotten", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const sid = await openSession(px, w.url(alice.id));
    const del = await px.fetch(new Request(w.url(alice.id), { method: "DELETE", headers: { "mcp-session-id": sid } }), null);
    expect(del.status).toBe(200);
    const after = await px.fetch(rpc(w.url(alice.id), { jsonrpc: "2.0", id: 3, method: "tools/list" }, { "mcp-session-id": sid }), null);
    expect(after.status).toBe(404);
  });

  test("an unknown instance and a known instance on the wrong service get the same 404", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const unknown = await px.fetch(rpc(`http://mcpd.test/ech_alice_AAAAAAAAAAAAAAAAAAAAAA/echo/mcp`, INIT), null);
    const wrong = await px.fetch(rpc(`http://mcpd.test/${alice.id}/figma/mcp`, INIT), null);
    expect(unknown.status).toBe(404);
    expect(wrong.status).toBe(404);
    const [a, b] = [await unknown.json(), await wrong.json()];
    expect(a).toEqual(b);
    expect(a).toMatchObject({ jsonrpc: "2.0", id: 1, error: { data: { code: "unknown-instance" } } });
    expect(JSON.stringify(a)).not.toContain(alice.id);
  });

  test("removing a user (from another process's connection) takes effect on the next request once the CLI nudges: 403", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const sid = await openSession(px, w.url(alice.id));
    expect((await callTool(px, w.url(alice.id), sid, "whoami")).result).toBeDefined();

    // As `mcpd user remove alice` would: commit on its own connection, then nudge the daemon.
    const cli = openStore(w.dbFile);
    cli.tx(() => cli.instances.revokeAllOf("alice", Date.now()));
    cli.close();
    w.changes.changed();

    const res = await px.fetch(rpc(w.url(alice.id), { jsonrpc: "2.0", id: 9, method: "tools/list" }, { "mcp-session-id": sid }), null);
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "revoked" } } });
    expect(JSON.stringify(body)).not.toContain(alice.id);
  });

  test("a revocation whose nudge never came (the CLI killed after its commit) still applies within the poll", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const sid = await openSession(px, w.url(alice.id));
    const cli = openStore(w.dbFile);
    cli.tx(() => cli.instances.revokeAllOf("alice", Date.now()));
    cli.close();
    // The poll runs every 250 ms; a loaded machine may delay a timer, not by seconds.
    await waitFor(
      async () => (await px.fetch(rpc(w.url(alice.id), { jsonrpc: "2.0", id: 9, method: "tools/list" }, { "mcp-session-id": sid }), null)).status === 403,
      { what: "the revocation to apply without a nudge", timeoutMs: 5_000 },
    );
  });

  test("a rotated key is used on the next request", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "old-key");
    const sid = await openSession(px, w.url(alice.id));
    expect(JSON.parse((await callTool(px, w.url(alice.id), sid, "whoami")).result.content[0].text).fingerprint).toBe(fingerprint("old-key"));
    const cli = openStore(w.dbFile);
    const { seal, associatedData } = await import("../../src/crypto/seal.ts");
    cli.credentials.put({ userId: "alice", service: "echo", ...seal(w.keyring, "new-key", associatedData("alice", "echo")), fingerprint: fingerprint("new-key"), updatedAt: Date.now() });
    cli.close();
    w.changes.changed();
    expect(JSON.parse((await callTool(px, w.url(alice.id), sid, "whoami", {}, 3)).result.content[0].text).fingerprint).toBe(fingerprint("new-key"));
  });

  test("a suspended user gets 403", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const cli = openStore(w.dbFile);
    cli.users.suspend("alice", true);
    cli.close();
    w.changes.changed();
    const res = await px.fetch(rpc(w.url(alice.id), INIT), null);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.data.code).toBe("suspended");
  });

  test("the audit row names method, tool and instance ref, never the key or the instance id", async () => {
    const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const sid = await openSession(px, w.url(alice.id));
    await callTool(px, w.url(alice.id), sid, "whoami");
    await px.close();
    const rows = w.store.audit.query({ userId: "alice" });
    const call = rows.find((r) => r.method === "tools/call");
    expect(call).toMatchObject({ userId: "alice", service: "echo", instance: alice.ref, tool: "whoami", status: 200 });
    expect(call!.bytesIn).toBeGreaterThan(0);
    expect(call!.bytesOut).toBeGreaterThan(0);
    expect(rows.some((r) => r.method === "initialize")).toBe(true);
    const dump = JSON.stringify(w.store.db.prepare("SELECT * FROM audit").all());
    expect(dump).not.toContain("key-of-alice");
    expect(dump).not.toContain(alice.id);
  });
});
