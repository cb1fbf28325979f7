import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Secret } from "../../src/crypto/secret.ts";
import { defineTool } from "../../src/services/tool.ts";
import { createMcpServer } from "../../src/services/mcpServer.ts";
import type { BuiltinService, ServiceContext } from "../../src/services/types.ts";
import { upstreamFetch, type UpstreamApi, type UpstreamRequest } from "../../src/services/upstreamFetch.ts";
import { slimIssue, slimPull, slimRepo } from "./slim.ts";
import config from "./config.json" with { type: "json" };

const DEFAULT_BASE = "https://api.github.com";
/** The REST API version these tools were written against. */
const API_VERSION = "2022-11-28";

const Owner = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "is not a GitHub user or organization name").describe("user or organization, e.g. \"octocat\"");
const Repo = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "is not a repository name").describe("repository name, e.g. \"hello-world\"");
const Num = (what: string) => z.number().int().min(1).describe(`the ${what} number`);
const PerPage = z.number().int().min(1).max(100).default(30).describe("results per page (max 100)");
const Page = z.number().int().min(1).default(1).describe("page number, from 1");
const Direction = z.enum(["asc", "desc"]).optional();

function create(ctx: ServiceContext): McpServer {
  const api: UpstreamApi = {
    label: "GitHub",
    base: ctx.upstreamBase ?? DEFAULT_BASE,
    fetch: ctx.fetch,
    headers: { accept: "application/vnd.github+json", "x-github-api-version": API_VERSION, "user-agent": "mcpd" },
    auth: (credential) => ({ authorization: `Bearer ${credential.reveal()}` }),
  };
  const call = async (credential: Secret, signal: AbortSignal, req: Omit<UpstreamRequest, "credential" | "signal">) =>
    (await upstreamFetch(api, { ...req, credential, signal })).body;
  const repoPath = (a: { owner: string; repo: string }) => `/repos/${a.owner}/${a.repo}`;
  const server = createMcpServer({ name: "mcpd-github", title: "GitHub", version: "1.0.0" });
  const read = { readOnlyHint: true, openWorldHint: true } as const;
  const write = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;

  defineTool(
    server,
    ctx,
    "get_me",
    { description: "The GitHub account this instance's token belongs to: login, name, profile, plan.", input: {}, annotations: read },
    async (_a, c) => call(c.credential, c.signal, { path: "/user" }),
  );

  defineTool(
    server,
    ctx,
    "list_repos",
    {
      description:
        "Repositories, newest activity first: without owner, the ones the token's user can reach (own, collaborator, org member); " +
        "with owner, that user's or organization's public ones (plus private ones the token can see).",
      input: {
        owner: Owner.optional(),
        visibility: z.enum(["all", "public", "private"]).optional().describe("only without owner"),
        sort: z.enum(["created", "updated", "pushed", "full_name"]).default("pushed"),
        direction: Direction,
        per_page: PerPage,
        page: Page,
      },
      annotations: read,
    },
    async (a, c) => {
      const query = { sort: a.sort, direction: a.direction, per_page: a.per_page, page: a.page };
      const list = a.owner
        ? await call(c.credential, c.signal, { path: `/users/${a.owner}/repos`, query: { ...query, type: "all" } })
        : await call(c.credential, c.signal, { path: "/user/repos", query: { ...query, visibility: a.visibility } });
      return (list as unknown[]).map(slimRepo);
    },
  );

  defineTool(
    server,
    ctx,
    "get_repo",
    { description: "One repository in full: description, default branch, visibility, counts, license, topics.", input: { owner: Owner, repo: Repo }, annotations: read },
    async (a, c) => call(c.credential, c.signal, { path: repoPath(a) }),
  );

  defineTool(
    server,
    ctx,
    "get_file_contents",
    {
      description:
        "A file's text from a repository (decoded from base64), or a directory's listing. Files over 1 MB are not returned " +
        "by this API; binary files come back as base64.",
      input: {
        owner: Owner,
        repo: Repo,
        path: z.string().max(1000).default("").describe("file or directory path in the repository; empty for the root"),
        ref: z.string().max(250).optional().describe("branch, tag or commit; the default branch when absent"),
      },
      annotations: read,
    },
    async (a, c) => {
      const path = a.path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
      const body = await call(c.credential, c.signal, { path: `${repoPath(a)}/contents${path ? "/" + path : ""}`, query: { ref: a.ref } });
      if (Array.isArray(body)) return body.map((e: Record<string, unknown>) => ({ type: e.type, name: e.name, path: e.path, size: e.size }));
      return decodeFile(body as Record<string, unknown>);
    },
  );

  defineTool(
    server,
    ctx,
    "list_issues",
    {
      description: "Issues of a repository (GitHub counts pull requests as issues too; those carry is_pull_request: true).",
      input: {
        owner: Owner,
        repo: Repo,
        state: z.enum(["open", "closed", "all"]).default("open"),
        labels: z.array(z.string()).optional().describe("only issues with all of these labels"),
        assignee: z.string().optional().describe("a login, \"none\" or \"*\""),
        sort: z.enum(["created", "updated", "comments"]).default("created"),
        direction: Direction,
        since: z.iso.datetime().optional().describe("only issues updated at or after this time (ISO 8601)"),
        per_page: PerPage,
        page: Page,
      },
      annotations: read,
    },
    async (a, c) => {
      const list = await call(c.credential, c.signal, {
        path: `${repoPath(a)}/issues`,
        query: { state: a.state, labels: a.labels?.join(","), assignee: a.assignee, sort: a.sort, direction: a.direction, since: a.since, per_page: a.per_page, page: a.page },
      });
      return (list as unknown[]).map(slimIssue);
    },
  );

  defineTool(
    server,
    ctx,
    "get_issue",
    { description: "One issue in full: title, body, state, labels, assignees, comment count.", input: { owner: Owner, repo: Repo, issue_number: Num("issue") }, annotations: read },
    async (a, c) => call(c.credential, c.signal, { path: `${repoPath(a)}/issues/${a.issue_number}` }),
  );

  defineTool(
    server,
    ctx,
    "create_issue",
    {
      description: "Opens an issue in a repository as this instance's user. Returns the new issue, with its number and link.",
      input: {
        owner: Owner,
        repo: Repo,
        title: z.string().min(1).max(256),
        body: z.string().max(65_536).optional().describe("Markdown"),
        labels: z.array(z.string()).optional(),
        assignees: z.array(z.string()).optional().describe("logins"),
      },
      annotations: write,
    },
    async (a, c) =>
      call(c.credential, c.signal, { method: "POST", path: `${repoPath(a)}/issues`, json: { title: a.title, body: a.body, labels: a.labels, assignees: a.assignees } }),
  );

  defineTool(
    server,
    ctx,
    "add_issue_comment",
    {
      description: "Comments on an issue or pull request as this instance's user.",
      input: { owner: Owner, repo: Repo, issue_number: Num("issue or pull request"), body: z.string().min(1).max(65_536).describe("Markdown") },
      annotations: write,
    },
    async (a, c) => call(c.credential, c.signal, { method: "POST", path: `${repoPath(a)}/issues/${a.issue_number}/comments`, json: { body: a.body } }),
  );

  defineTool(
    server,
    ctx,
    "search_issues",
    {
      description:
        "Searches issues and pull requests across GitHub with GitHub's search syntax, e.g. " +
        "\"repo:owner/name is:open label:bug\" or \"author:octocat is:pr is:merged\".",
      input: {
        q: z.string().min(1).max(256).describe("the search query"),
        sort: z.enum(["comments", "reactions", "created", "updated", "interactions"]).optional().describe("best match when absent"),
        order: Direction,
        per_page: PerPage,
        page: Page,
      },
      annotations: read,
    },
    async (a, c) => {
      const body = (await call(c.credential, c.signal, { path: "/search/issues", query: { q: a.q, sort: a.sort, order: a.order, per_page: a.per_page, page: a.page } })) as {
        total_count: number;
        incomplete_results: boolean;
        items: unknown[];
      };
      return { total_count: body.total_count, incomplete_results: body.incomplete_results, items: body.items.map(slimIssue) };
    },
  );

  defineTool(
    server,
    ctx,
    "list_pull_requests",
    {
      description: "Pull requests of a repository.",
      input: {
        owner: Owner,
        repo: Repo,
        state: z.enum(["open", "closed", "all"]).default("open"),
        head: z.string().optional().describe("only from this branch, as \"user:branch\""),
        base: z.string().optional().describe("only into this branch"),
        sort: z.enum(["created", "updated", "popularity", "long-running"]).default("created"),
        direction: Direction,
        per_page: PerPage,
        page: Page,
      },
      annotations: read,
    },
    async (a, c) => {
      const list = await call(c.credential, c.signal, {
        path: `${repoPath(a)}/pulls`,
        query: { state: a.state, head: a.head, base: a.base, sort: a.sort, direction: a.direction, per_page: a.per_page, page: a.page },
      });
      return (list as unknown[]).map(slimPull);
    },
  );

  defineTool(
    server,
    ctx,
    "get_pull_request",
    {
      description: "One pull request in full: title, body, branches, mergeable state, commits, additions, deletions, changed files.",
      input: { owner: Owner, repo: Repo, pull_number: Num("pull request") },
      annotations: read,
    },
    async (a, c) => call(c.credential, c.signal, { path: `${repoPath(a)}/pulls/${a.pull_number}` }),
  );

  return server;
}

/** The contents API sends files base64-encoded; text comes back as text, anything else stays base64. */
function decodeFile(file: Record<string, unknown>) {
  const { type, path, sha, size, html_url } = file;
  if (file.encoding !== "base64" || typeof file.content !== "string") return { type, path, sha, size, html_url, content: file.content ?? null };
  const bytes = Buffer.from(file.content, "base64");
  let text: string | undefined;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  return text !== undefined && !text.includes("\u0000")
    ? { type, path, sha, size, html_url, encoding: "utf-8", content: text }
    : { type, path, sha, size, html_url, encoding: "base64", content: file.content.replace(/\n/g, "") };
}

export const github: BuiltinService = { id: "github", config, create };
