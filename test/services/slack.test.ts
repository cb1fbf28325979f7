import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { validateCredential } from "../../src/accounts/validateCredential.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { parseServiceFile } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { SLACK_CHANNEL, slackMember, startFakeSlack, type FakeSlack } from "../fixtures/upstreams/slack.ts";
import { callError, callJson, connect, ROOT, startHost, type HostProcess } from "./harness.ts";

const ALICE = "xoxb-1111-alice-aaaaaaaaaaaa";
const BOB = "xoxp-2222-bob-bbbbbbbbbbbbbb";

let fake: FakeSlack;
let host: HostProcess;
let alice: Client;
let bob: Client;
const as = (key: string, user: string) => ({ credential: ["Authorization", `Bearer ${key}`] as [string, string], user, instance: `slk_${user}_ref` });

beforeAll(async () => {
  fake = startFakeSlack({
    tokens: {
      [ALICE]: { user_id: "UALICE", user: "alice", team_id: "T1", team: "Acme" },
      [BOB]: { user_id: "UBOB", user: "bob", team_id: "T1", team: "Acme" },
    },
    latencyMs: 150,
  });
  host = await startHost("slack", { SLACK_API_BASE: fake.url });
  alice = await connect(host, as(ALICE, "alice"));
  bob = await connect(host, as(BOB, "bob"));
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await host?.stop();
  await fake?.stop();
});

describe("slack shared service", () => {
  test("two users posting at the same time each reach Slack with their own token and nothing else", async () => {
    fake.requests.length = 0;
    const [a, b] = await Promise.all([
      callJson(alice, "post_message", { channel: SLACK_CHANNEL, text: "from alice" }),
      callJson(bob, "post_message", { channel: SLACK_CHANNEL, text: "from bob" }),
    ]);
    expect(a).toEqual({ channel: SLACK_CHANNEL, ts: "1712349999.000300" });
    expect(b).toEqual(a);
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(2);
    const seen = fake.requests.map((r, i) => [r.auth, fake.argsOf(i).text]).sort();
    expect(seen).toEqual([[`Bearer ${ALICE}`, "from alice"], [`Bearer ${BOB}`, "from bob"]].sort());
    for (const r of fake.requests) {
      const other = r.auth === `Bearer ${ALICE}` ? BOB : ALICE;
      expect(JSON.stringify(r.headers) + r.body).not.toContain(other);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("x-mcpd"))).toEqual([]);
    }
  });

  test("each tool calls its Web API method and returns Slack's answer", async () => {
    fake.requests.length = 0;
    const channels = await callJson(alice, "list_channels", { limit: 50 });
    expect(channels).toEqual({
      channels: [{ id: SLACK_CHANNEL, name: "general", is_private: false, is_archived: false, is_member: true, num_members: 4, topic: "Company-wide announcements", purpose: "This channel is for team-wide communication." }],
      next_cursor: "dGVhbTpDMDYxRkE1UEI=",
    });
    expect(fake.requests.at(-1)!.path).toBe("/conversations.list");
    expect(fake.argsOf(-1)).toMatchObject({ types: "public_channel", exclude_archived: "true", limit: "50" });

    const history = await callJson(alice, "channel_history", { channel: SLACK_CHANNEL, limit: 2 });
    expect(history.messages).toEqual([
      { ts: "1712345678.000200", user: "U012A3CDE", text: "Shipping today", thread_ts: "1712345678.000200", reply_count: 2, reactions: [{ name: "tada", count: 1 }] },
      { ts: "1712345600.000100", user: "B0123", text: "Build passed" },
    ]);
    expect(history).toMatchObject({ has_more: false, next_cursor: null });

    const reply = await callJson(alice, "reply_in_thread", { channel: SLACK_CHANNEL, thread_ts: "1712345678.000200", text: "on it" });
    expect(reply).toEqual({ channel: SLACK_CHANNEL, ts: "1712349999.000300", thread_ts: "1712345678.000200" });
    expect(fake.argsOf(-1)).toMatchObject({ channel: SLACK_CHANNEL, thread_ts: "1712345678.000200", text: "on it", reply_broadcast: "false" });

    expect(await callJson(alice, "add_reaction", { channel: SLACK_CHANNEL, timestamp: "1712345678.000200", name: ":thumbsup:" })).toEqual({ ok: true, reaction: "thumbsup" });
    expect(fake.argsOf(-1)).toMatchObject({ name: "thumbsup", timestamp: "1712345678.000200" });

    expect(await callJson(alice, "list_users")).toEqual({
      users: [{ id: "U012A3CDE", name: "spengler", real_name: "Egon Spengler", display_name: "spengler", is_bot: false, deleted: false, tz: "America/Los_Angeles" }],
      next_cursor: null,
    });
    expect(await callJson(alice, "get_user", { user: "U012A3CDE" })).toEqual(slackMember);
    expect(fake.requests.every((r) => r.auth === `Bearer ${ALICE}`)).toBe(true);
  });

  test("ok:false answers become tool errors carrying Slack's error code", async () => {
    expect(await callError(alice, "channel_history", { channel: "C9999NOPE" })).toStartWith("Slack conversations.history failed: channel_not_found");
    expect(await callError(alice, "get_user", { user: "U0NOBODY" })).toBe("Slack users.info failed: user_not_found");
  });

  test("an invalid token is reported as rejected, without the token", async () => {
    const stranger = await connect(host, as("xoxb-revoked-9999", "carol"));
    try {
      const text = await callError(stranger, "list_channels");
      expect(text).toContain("the Slack token for this instance was rejected (invalid_auth)");
      expect(text).not.toContain("xoxb-revoked-9999");
    } finally {
      await stranger.close();
    }
  });

  test("a 429 names the wait from Retry-After", async () => {
    const limited = "xoxb-limited-0000";
    fake.rateLimit(limited, 30);
    const client = await connect(host, as(limited, "dave"));
    try {
      expect(await callError(client, "list_users")).toBe("Slack rate limit hit; retry after 30 s (HTTP 429)");
    } finally {
      await client.close();
    }
  });

  test("credential.validate reads auth.test's body: a good token passes, ok:false is rejected with Slack's code", async () => {
    const service = parseServiceFile(join(ROOT, "mcp-ports/slack/config.json"), join(ROOT, "mcp-ports/slack")) as Service;
    const env = { SLACK_API_BASE: fake.url };
    expect(await validateCredential(service, new Secret(ALICE), { env })).toEqual({ ok: true, checked: "http" });
    const bad = await validateCredential(service, new Secret("xoxb-nope"), { env });
    expect(bad).toMatchObject({ ok: false, reason: "rejected" });
    expect((bad as { message: string }).message).toContain("invalid_auth");
    expect((bad as { message: string }).message).not.toContain("xoxb-nope");
  });
});
