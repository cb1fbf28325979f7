import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { validateCredential } from "../../src/accounts/validateCredential.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { parseServiceFile } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { freePort } from "../helpers/net.ts";
import { FIGMA_FILE_KEY, figmaComments, figmaFile, figmaProjectFiles, figmaProjects, startFakeFigma, type FakeFigma } from "../fixtures/upstreams/figma.ts";
import { callError, callJson, connect, ROOT, startHost, type HostProcess } from "./harness.ts";

const ALICE = "figd_alice_0123456789abcdef";
const BOB = "figd_bob_fedcba9876543210";
const users = {
  [ALICE]: { id: "101", handle: "alice", email: "alice@example.com" },
  [BOB]: { id: "202", handle: "bob", email: "bob@example.com" },
};

let fake: FakeFigma;
let host: HostProcess;
let alice: Client;
let bob: Client;
const as = (key: string, user: string) => ({ credential: ["X-Figma-Token", key] as [string, string], user, instance: `fig_${user}_ref` });

beforeAll(async () => {
  fake = startFakeFigma({ users, latencyMs: 150 });
  host = await startHost("figma", { FIGMA_API_BASE: fake.url });
  alice = await connect(host, as(ALICE, "alice"));
  bob = await connect(host, as(BOB, "bob"));
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await host?.stop();
  await fake?.stop();
});

describe("figma shared service", () => {
  test("two users calling get_me at the same time each reach Figma with their own token and nothing else", async () => {
    fake.requests.length = 0;
    const [a, b] = await Promise.all([callJson(alice, "get_me"), callJson(bob, "get_me")]);
    expect(a.handle).toBe("alice");
    expect(b.handle).toBe("bob");
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(fake.requests.map((r) => r.auth).sort()).toEqual([ALICE, BOB].sort());
    for (const r of fake.requests) {
      const other = r.auth === ALICE ? BOB : ALICE;
      expect(JSON.stringify(r.headers)).not.toContain(other);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("x-mcpd"))).toEqual([]);
    }
  });

  test("each tool calls the documented endpoint and returns Figma's answer", async () => {
    fake.requests.length = 0;
    expect(await callJson(alice, "get_file", { file_key: FIGMA_FILE_KEY, depth: 2 })).toEqual(figmaFile);
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: `/v1/files/${FIGMA_FILE_KEY}`, query: { depth: "2" } });

    const nodes = await callJson(alice, "get_file_nodes", { file_key: `https://www.figma.com/design/${FIGMA_FILE_KEY}/Mobile-app?node-id=1-2`, ids: ["1-2"] });
    expect(nodes.nodes["1:2"].document.name).toBe("Login screen");
    expect(fake.requests.at(-1)).toMatchObject({ path: `/v1/files/${FIGMA_FILE_KEY}/nodes`, query: { ids: "1:2" } });

    const images = await callJson(alice, "get_images", { file_key: FIGMA_FILE_KEY, ids: ["1:2"], format: "svg" });
    expect(images).toEqual({ err: null, images: { "1:2": "https://figma-alpha-api.s3.us-west-2.amazonaws.com/images/1%3A2.svg" } });

    expect(await callJson(alice, "get_comments", { file_key: FIGMA_FILE_KEY })).toEqual(figmaComments);

    const posted = await callJson(alice, "post_comment", { file_key: FIGMA_FILE_KEY, message: "Fixed", comment_id: "987" });
    expect(posted).toMatchObject({ message: "Fixed", parent_id: "987", user: { handle: "alice" } });
    expect(JSON.parse(fake.requests.at(-1)!.body)).toEqual({ message: "Fixed", comment_id: "987" });

    expect(await callJson(alice, "get_team_projects", { team_id: "2001" })).toEqual(figmaProjects);
    expect(await callJson(alice, "get_project_files", { project_id: "3001" })).toEqual(figmaProjectFiles);
    expect(fake.requests.every((r) => r.auth === ALICE)).toBe(true);
  });

  test("a rejected token becomes an actionable tool error that never shows the token", async () => {
    const stranger = await connect(host, as("figd_revoked_token_value", "carol"));
    try {
      const text = await callError(stranger, "get_me");
      expect(text).toContain("the Figma token for this instance was rejected (HTTP 403: Invalid token)");
      expect(text).not.toContain("figd_revoked_token_value");
    } finally {
      await stranger.close();
    }
  });

  test("a rate limit answer names the wait from Retry-After", async () => {
    const limited = "figd_limited_token";
    fake.rateLimit(limited, 37);
    const client = await connect(host, as(limited, "dave"));
    try {
      expect(await callError(client, "get_me")).toBe("Figma rate limit hit; retry after 37 s (HTTP 429)");
    } finally {
      await client.close();
    }
  });

  test("an unknown file is reported as not found, and the service keeps serving", async () => {
    expect(await callError(alice, "get_file", { file_key: "NoSuchFile" })).toContain("Figma found nothing at GET /v1/files/NoSuchFile (HTTP 404: Not found)");
    expect((await callJson(alice, "get_me")).handle).toBe("alice");
  });

  test("an unreachable Figma is reported with the address tried", async () => {
    const deadBase = `http://127.0.0.1:${await freePort()}`;
    const lonely = await startHost("figma", { FIGMA_API_BASE: deadBase });
    const client = await connect(lonely, as(ALICE, "alice"));
    try {
      expect(await callError(client, "get_me")).toStartWith(`could not reach Figma at ${deadBase}`);
    } finally {
      await client.close();
      await lonely.stop();
    }
  });

  test("credential.validate accepts the good token and rejects the bad one with a clear message", async () => {
    const service = parseServiceFile(join(ROOT, "mcp-ports/figma/config.json"), join(ROOT, "mcp-ports/figma")) as Service;
    const env = { FIGMA_API_BASE: fake.url };
    expect(await validateCredential(service, new Secret(ALICE), { env })).toEqual({ ok: true, checked: "http" });
    const bad = await validateCredential(service, new Secret("figd_nope"), { env });
    expect(bad).toMatchObject({ ok: false, reason: "rejected" });
    expect((bad as { message: string }).message).toBe(`figma rejected the key (HTTP 403 from GET ${fake.url}/v1/me)`);
  });
});
