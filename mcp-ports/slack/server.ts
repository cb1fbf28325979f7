import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Secret } from "../../src/crypto/secret.ts";
import { defineTool, ToolError } from "../../src/services/tool.ts";
import { createMcpServer } from "../../src/services/mcpServer.ts";
import type { BuiltinService, ServiceContext } from "../../src/services/types.ts";
import { upstreamFetch, type UpstreamApi } from "../../src/services/upstreamFetch.ts";
import { slimChannel, slimMessage, slimUser } from "./slim.ts";
import config from "./config.json" with { type: "json" };

const DEFAULT_BASE = "https://slack.com/api";

/** Slack's error codes that mean the token itself is no good. */
const AUTH_ERRORS = new Set(["not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired", "no_permission", "ekm_access_denied"]);

const Channel = z.string().regex(/^[CDG][A-Z0-9]{2,}$/, "is not a Slack channel id (like C0123ABCD); find it with list_channels").describe("channel id, e.g. \"C0123ABCD\"");
const Ts = z.string().regex(/^\d+\.\d+$/, "is not a Slack message timestamp (like 1712345678.000100)");
const Limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt).describe(`how many to return (max ${max})`);
const Cursor = z.string().optional().describe("next_cursor from the previous page");

type Params = Record<string, string | number | boolean | undefined>;
type SlackAnswer = Record<string, unknown> & { ok: boolean; error?: string };

function create(ctx: ServiceContext): McpServer {
  const api: UpstreamApi = {
    label: "Slack",
    base: ctx.upstreamBase ?? DEFAULT_BASE,
    fetch: ctx.fetch,
    auth: (credential) => ({ authorization: `Bearer ${credential.reveal()}` }),
  };

  /** One Web API method. Slack answers 200 with ok:false for most failures: those become tool errors with Slack's code. */
  async function slack(method: string, params: Params, credential: Secret, signal: AbortSignal): Promise<SlackAnswer> {
    const { body } = await upstreamFetch(api, { method: "POST", path: `/${method}`, form: params, credential, signal });
    const answer = body as SlackAnswer;
    if (!answer || typeof answer !== "object" || typeof answer.ok !== "boolean") throw new ToolError(`Slack ${method} did not answer with a Web API response`);
    if (answer.ok) return answer;
    const code = String(answer.error ?? "unknown_error");
    if (AUTH_ERRORS.has(code)) throw new ToolError(`the Slack token for this instance was rejected (${code}); store a new one with mcpd user add`);
    if (code === "missing_scope") {
      throw new ToolError(`the Slack token lacks a scope ${method} needs (missing_scope: needs ${answer.needed ?? "?"}, has ${answer.provided ?? "?"})`);
    }
    throw new ToolError(`Slack ${method} failed: ${code}${hint(code)}`);
  }
  const cursorOf = (a: SlackAnswer) => ((a.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || null);

  const server = createMcpServer({ name: "mcpd-slack", title: "Slack", version: "1.0.0" });
  const read = { readOnlyHint: true, openWorldHint: true } as const;
  const write = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;

  defineTool(
    server,
    ctx,
    "list_channels",
    {
      description: "Channels in the workspace that this token can see: id, name, privacy, membership, topic. Page with next_cursor.",
      input: {
        types: z.array(z.enum(["public_channel", "private_channel", "mpim", "im"])).default(["public_channel"]),
        exclude_archived: z.boolean().default(true),
        limit: Limit(1000, 100),
        cursor: Cursor,
      },
      annotations: read,
    },
    async (a, c) => {
      const r = await slack("conversations.list", { types: a.types.join(","), exclude_archived: a.exclude_archived, limit: a.limit, cursor: a.cursor }, c.credential, c.signal);
      return { channels: (r.channels as unknown[]).map(slimChannel), next_cursor: cursorOf(r) };
    },
  );

  defineTool(
    server,
    ctx,
    "channel_history",
    {
      description: "Recent messages of a channel, newest first (thread replies are not included; a parent shows reply_count). The token must be in the channel.",
      input: {
        channel: Channel,
        limit: Limit(1000, 50),
        oldest: Ts.optional().describe("only messages after this timestamp"),
        latest: Ts.optional().describe("only messages before this timestamp"),
        cursor: Cursor,
      },
      annotations: read,
    },
    async (a, c) => {
      const r = await slack("conversations.history", { channel: a.channel, limit: a.limit, oldest: a.oldest, latest: a.latest, cursor: a.cursor }, c.credential, c.signal);
      return { messages: (r.messages as unknown[]).map(slimMessage), has_more: r.has_more ?? false, next_cursor: cursorOf(r) };
    },
  );

  defineTool(
    server,
    ctx,
    "post_message",
    {
      description: "Posts a message to a channel as this instance's bot or user. Slack mrkdwn formatting applies. Returns the message's ts.",
      input: { channel: Channel, text: z.string().min(1).max(40_000) },
      annotations: write,
    },
    async (a, c) => {
      const r = await slack("chat.postMessage", { channel: a.channel, text: a.text }, c.credential, c.signal);
      return { channel: r.channel, ts: r.ts };
    },
  );

  defineTool(
    server,
    ctx,
    "reply_in_thread",
    {
      description: "Replies in the thread of a message (thread_ts = the parent message's ts). Set broadcast to also show it in the channel.",
      input: {
        channel: Channel,
        thread_ts: Ts.describe("the parent message's ts"),
        text: z.string().min(1).max(40_000),
        broadcast: z.boolean().default(false),
      },
      annotations: write,
    },
    async (a, c) => {
      const r = await slack("chat.postMessage", { channel: a.channel, thread_ts: a.thread_ts, text: a.text, reply_broadcast: a.broadcast }, c.credential, c.signal);
      return { channel: r.channel, ts: r.ts, thread_ts: a.thread_ts };
    },
  );

  defineTool(
    server,
    ctx,
    "add_reaction",
    {
      description: "Adds an emoji reaction to a message, e.g. name \"thumbsup\" (no colons).",
      input: {
        channel: Channel,
        timestamp: Ts.describe("the message's ts"),
        name: z
          .string()
          .transform((s) => s.replace(/^:|:$/g, ""))
          .pipe(z.string().regex(/^[a-z0-9_+'-]+(::skin-tone-\d)?$/, "is not an emoji name like thumbsup")),
      },
      annotations: { ...write, idempotentHint: true },
    },
    async (a, c) => {
      await slack("reactions.add", { channel: a.channel, timestamp: a.timestamp, name: a.name }, c.credential, c.signal);
      return { ok: true, reaction: a.name };
    },
  );

  defineTool(
    server,
    ctx,
    "list_users",
    {
      description: "People and bots in the workspace: id, handle, real and display name, time zone. Page with next_cursor.",
      input: { limit: Limit(1000, 200), cursor: Cursor },
      annotations: read,
    },
    async (a, c) => {
      const r = await slack("users.list", { limit: a.limit, cursor: a.cursor }, c.credential, c.signal);
      return { users: (r.members as unknown[]).map(slimUser), next_cursor: cursorOf(r) };
    },
  );

  defineTool(
    server,
    ctx,
    "get_user",
    {
      description: "One person's profile by user id (like U0123ABCD): names, title, time zone, status.",
      input: { user: z.string().regex(/^[UW][A-Z0-9]{2,}$/, "is not a Slack user id (like U0123ABCD)") },
      annotations: read,
    },
    async (a, c) => (await slack("users.info", { user: a.user }, c.credential, c.signal)).user,
  );

  return server;
}

function hint(code: string): string {
  if (code === "not_in_channel") return " (invite the app to the channel first: /invite @app)";
  if (code === "channel_not_found") return " (check the id with list_channels; private channels need the token to be a member)";
  if (code === "ratelimited") return " (rate limited; retry shortly)";
  return "";
}

export const slack: BuiltinService = { id: "slack", config, create };
