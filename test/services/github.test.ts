import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { validateCredential } from "../../src/accounts/validateCredential.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { parseServiceFile } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { githubIssue, githubPull, githubRepo, README_TEXT, startFakeGithub, type FakeGithub } from "../fixtures/upstreams/github.ts";
import { callError, callJson, connect, ROOT, startHost, type HostProcess } from "./harness.ts";

const ALICE = "ghp_alice000000000000000000000000000000";
const BOB = "github_pat_bob_11111111111111111111111";

let fake: FakeGithub;
let host: HostProcess;
let alice: Client;
let bob: Client;
const as = (key: string, user: string) => ({ credential: ["Authorization", `Bearer ${key}`] as [string, string], user, instance: `gh_${user}_ref` });
const repo = { owner: "octo-org", repo: "widgets" };

beforeAll(async () => {
  fake = startFakeGithub({ users: { [ALICE]: "alice", [BOB]: "bob" }, latencyMs: 150 });
  host = await startHost("github", { GITHUB_API_BASE: fake.url });
  alice = await connect(host, as(ALICE, "alice"));
  bob = await connect(host, as(BOB, "bob"));
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await host?.stop();
  await fake?.stop();
});

describe("github shared service", () => {
  test("two users calling get_me at the same time each reach GitHub with their own token and nothing else", async () => {
    fake.requests.length = 0;
    const [a, b] = await Promise.all([callJson(alice, "get_me"), callJson(bob, "get_me")]);
    expect(a.login).toBe("alice");
    expect(b.login).toBe("bob");
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(fake.requests.map((r) => r.auth).sort()).toEqual([`Bearer ${ALICE}`, `Bearer ${BOB}`].sort());
    for (const r of fake.requests) {
      const other = r.auth === `Bearer ${ALICE}` ? BOB : ALICE;
      expect(JSON.stringify(r.headers)).not.toContain(other);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("x-mcpd"))).toEqual([]);
      // GitHub's documented request headers
      expect(r.headers.accept).toBe("application/vnd.github+json");
      expect(r.headers["x-github-api-version"]).toBe("2022-11-28");
      expect(r.headers["user-agent"]).toBeTruthy();
    }
  });

  test("each tool calls the documented endpoint and returns GitHub's answer", async () => {
    fake.requests.length = 0;
    const repos = await callJson(alice, "list_repos", { per_page: 10 });
    expect(repos).toEqual([expect.objectContaining({ full_name: "octo-org/widgets", default_branch: "main", stargazers_count: 42 })]);
    expect(fake.requests.at(-1)).toMatchObject({ path: "/user/repos", query: { per_page: "10", sort: "pushed" } });
    expect(await callJson(alice, "list_repos", { owner: "octo-org" })).toHaveLength(1);
    expect(fake.requests.at(-1)!.path).toBe("/users/octo-org/repos");

    expect(await callJson(alice, "get_repo", repo)).toEqual(githubRepo);

    const file = await callJson(alice, "get_file_contents", { ...repo, path: "README.md", ref: "main" });
    expect(file).toMatchObject({ type: "file", path: "README.md", encoding: "utf-8", content: README_TEXT });
    expect(fake.requests.at(-1)).toMatchObject({ path: "/repos/octo-org/widgets/contents/README.md", query: { ref: "main" } });
    expect(await callJson(alice, "get_file_contents", repo)).toEqual([
      { type: "file", name: "README.md", path: "README.md", size: 30 },
      { type: "dir", name: "src", path: "src", size: 0 },
    ]);

    const issues = await callJson(alice, "list_issues", { ...repo, labels: ["bug", "ui"], state: "all" });
    expect(issues.map((i: { number: number; is_pull_request: boolean }) => [i.number, i.is_pull_request])).toEqual([[1, false], [3, true]]);
    expect(issues[0]).toMatchObject({ title: "Widgets crash", user: "alice", labels: ["bug"] });
    expect(fake.requests.at(-1)!.query).toMatchObject({ labels: "bug,ui", state: "all" });

    expect(await callJson(alice, "get_issue", { ...repo, issue_number: 1 })).toEqual(githubIssue(1, "Widgets crash"));

    const created = await callJson(alice, "create_issue", { ...repo, title: "New bug", body: "Steps…", labels: ["bug"] });
    expect(created).toMatchObject({ number: 4, title: "New bug", body: "Steps…" });
    expect(JSON.parse(fake.requests.at(-1)!.body)).toEqual({ title: "New bug", body: "Steps…", labels: ["bug"] });

    const comment = await callJson(alice, "add_issue_comment", { ...repo, issue_number: 1, body: "Me too" });
    expect(comment).toMatchObject({ id: 555, body: "Me too" });

    const found = await callJson(alice, "search_issues", { q: "repo:octo-org/widgets is:open label:bug" });
    expect(found).toMatchObject({ total_count: 1, incomplete_results: false, items: [{ number: 1, title: "Widgets crash" }] });
    expect(fake.requests.at(-1)!.query.q).toBe("repo:octo-org/widgets is:open label:bug");

    expect(await callJson(alice, "list_pull_requests", repo)).toEqual([
      expect.objectContaining({ number: 3, head: "bob:shiny", base: "octo-org:main", user: "bob", draft: false }),
    ]);
    expect(await callJson(alice, "get_pull_request", { ...repo, pull_number: 3 })).toEqual(githubPull);
    expect(fake.requests.every((r) => r.auth === `Bearer ${ALICE}`)).toBe(true);
  });

  test("bad credentials become an actionable tool error that never shows the token", async () => {
    const stranger = await connect(host, as("ghp_revoked_1234567890", "carol"));
    try {
      const text = await callError(stranger, "get_me");
      expect(text).toContain("the GitHub token for this instance was rejected (HTTP 401: Bad credentials)");
      expect(text).not.toContain("ghp_revoked_1234567890");
    } finally {
      await stranger.close();
    }
  });

  test("GitHub's rate limit (403, x-ratelimit-remaining 0) names the wait until reset", async () => {
    const limited = "ghp_limited_0000";
    fake.rateLimit(limited, 120);
    const client = await connect(host, as(limited, "dave"));
    try {
      expect(await callError(client, "list_repos")).toMatch(/^GitHub rate limit hit; retry after 1(19|20) s \(HTTP 403\)$/);
    } finally {
      await client.close();
    }
  });

  test("an unknown repository is not found; bad input is refused before any request", async () => {
    expect(await callError(alice, "get_repo", { owner: "octo-org", repo: "nope" })).toContain("GitHub found nothing at GET /repos/octo-org/nope (HTTP 404: Not Found)");
    const before = fake.requests.length;
    const bad = await alice.callTool({ name: "get_repo", arguments: { owner: "../../user", repo: "x" } });
    expect(bad.isError).toBe(true);
    expect(fake.requests.length).toBe(before);
  });

  test("credential.validate accepts the good token and rejects the bad one with a clear message", async () => {
    const service = parseServiceFile(join(ROOT, "mcp-ports/github/config.json"), join(ROOT, "mcp-ports/github")) as Service;
    const env = { GITHUB_API_BASE: fake.url };
    expect(await validateCredential(service, new Secret(ALICE), { env })).toEqual({ ok: true, checked: "http" });
    const bad = await validateCredential(service, new Secret("ghp_nope"), { env });
    expect(bad).toMatchObject({ ok: false, reason: "rejected", message: `github rejected the key (HTTP 401 from GET ${fake.url}/user)` });
  });
});
