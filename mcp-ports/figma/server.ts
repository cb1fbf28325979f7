import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Secret } from "../../src/crypto/secret.ts";
import { defineTool, ToolError } from "../../src/services/tool.ts";
import { createMcpServer } from "../../src/services/mcpServer.ts";
import type { BuiltinService, ServiceContext } from "../../src/services/types.ts";
import { upstreamFetch, type UpstreamApi, type UpstreamRequest } from "../../src/services/upstreamFetch.ts";
import config from "./config.json" with { type: "json" };

const DEFAULT_BASE = "https://api.figma.com";

/** A file key, or a figma.com link to the file (the key is the path segment after /file/ or /design/). */
const FileKey = z
  .string()
  .min(1)
  .transform((s, ctx) => {
    const fromUrl = /figma\.com\/(?:file|design|proto|board|slides)\/([A-Za-z0-9]+)/.exec(s)?.[1];
    const key = fromUrl ?? s.trim();
    if (!/^[A-Za-z0-9]+$/.test(key)) {
      ctx.addIssue({ code: "custom", message: "must be a Figma file key (letters and digits) or a figma.com file link" });
      return z.NEVER;
    }
    return key;
  })
  .describe("the file key (from https://www.figma.com/design/<key>/...) or the whole link");

/** Node ids as the API wants them ("1:2"); links write them "1-2". */
const NodeIds = z
  .array(z.string().regex(/^[0-9A-Za-z;:_-]+$/, "is not a Figma node id"))
  .min(1)
  .max(500)
  .transform((ids) => ids.map((id) => (/^\d+-\d+$/.test(id) ? id.replace("-", ":") : id)).join(","));

const Depth = z.number().int().min(1).max(100).optional().describe("how many levels of the node tree to return; 1 = pages only, 2 = top-level frames");
const id = (name: string) => z.string().regex(/^[0-9A-Za-z:_-]+$/, `is not a Figma ${name} id`);

function create(ctx: ServiceContext): McpServer {
  const api: UpstreamApi = {
    label: "Figma",
    base: ctx.upstreamBase ?? DEFAULT_BASE,
    fetch: ctx.fetch,
    auth: (credential) => ({ "X-Figma-Token": credential.reveal() }),
  };
  const call = async (credential: Secret, signal: AbortSignal, req: Omit<UpstreamRequest, "credential" | "signal">) =>
    (await upstreamFetch(api, { ...req, credential, signal })).body;
  const server = createMcpServer({ name: "mcpd-figma", title: "Figma", version: "1.0.0" });
  const read = { readOnlyHint: true, openWorldHint: true } as const;

  defineTool(
    server,
    ctx,
    "get_me",
    { description: "The Figma user this instance's token belongs to: id, handle, email, avatar.", input: {}, annotations: read },
    async (_a, c) => call(c.credential, c.signal, { path: "/v1/me" }),
  );

  defineTool(
    server,
    ctx,
    "get_file",
    {
      description:
        "A Figma file as JSON: its document tree (pages, frames, layers), components and styles. Files can be very large: " +
        "pass depth (1 = pages, 2 = top-level frames) or ids to fetch only what you need.",
      input: {
        file_key: FileKey,
        ids: NodeIds.optional().describe("only these nodes and their ancestors, e.g. [\"1:2\"]"),
        depth: Depth,
        version: z.string().optional().describe("a version id from the file's history; latest when absent"),
        geometry: z.boolean().optional().describe("include vector paths"),
        branch_data: z.boolean().optional().describe("include the file's branches"),
      },
      annotations: read,
    },
    async (a, c) =>
      call(c.credential, c.signal, {
        path: `/v1/files/${a.file_key}`,
        query: { ids: a.ids, depth: a.depth, version: a.version, geometry: a.geometry ? "paths" : undefined, branch_data: a.branch_data },
      }),
  );

  defineTool(
    server,
    ctx,
    "get_file_nodes",
    {
      description: "Specific nodes of a Figma file (frames, components, layers) by id, each with its subtree, components and styles.",
      input: {
        file_key: FileKey,
        ids: NodeIds.describe("node ids, e.g. [\"1:2\", \"3:4\"] (\"1-2\" as in links also works)"),
        depth: Depth,
        version: z.string().optional().describe("a version id; latest when absent"),
        geometry: z.boolean().optional().describe("include vector paths"),
      },
      annotations: read,
    },
    async (a, c) =>
      call(c.credential, c.signal, {
        path: `/v1/files/${a.file_key}/nodes`,
        query: { ids: a.ids, depth: a.depth, version: a.version, geometry: a.geometry ? "paths" : undefined },
      }),
  );

  defineTool(
    server,
    ctx,
    "get_images",
    {
      description:
        "Renders nodes of a Figma file as images and returns a URL per node id (URLs expire after 30 days). " +
        "A null URL means the node could not be rendered (e.g. invisible or empty).",
      input: {
        file_key: FileKey,
        ids: NodeIds.describe("node ids to render"),
        format: z.enum(["png", "jpg", "svg", "pdf"]).default("png"),
        scale: z.number().min(0.01).max(4).optional().describe("1 = original size (png and jpg only)"),
        use_absolute_bounds: z.boolean().optional().describe("render the node's full bounds, not cropped"),
        version: z.string().optional(),
      },
      annotations: read,
    },
    async (a, c) =>
      call(c.credential, c.signal, {
        path: `/v1/images/${a.file_key}`,
        query: { ids: a.ids, format: a.format, scale: a.scale, use_absolute_bounds: a.use_absolute_bounds, version: a.version },
      }),
  );

  defineTool(
    server,
    ctx,
    "get_comments",
    {
      description: "The comments on a Figma file, newest first, with author, message, position and replies (replies carry parent_id).",
      input: { file_key: FileKey, as_md: z.boolean().optional().describe("return messages as Markdown") },
      annotations: read,
    },
    async (a, c) => call(c.credential, c.signal, { path: `/v1/files/${a.file_key}/comments`, query: { as_md: a.as_md } }),
  );

  defineTool(
    server,
    ctx,
    "post_comment",
    {
      description:
        "Posts a comment on a Figma file as this instance's user. Give comment_id to reply to an existing comment, " +
        "or node_id to pin the comment to a node.",
      input: {
        file_key: FileKey,
        message: z.string().min(1).max(10_000).describe("the comment text"),
        comment_id: id("comment").optional().describe("reply to this root comment"),
        node_id: id("node").optional().describe("attach to this node, e.g. \"1:2\""),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (a, c) => {
      if (a.comment_id && a.node_id) throw new ToolError("give comment_id (a reply) or node_id (a new pinned comment), not both");
      return call(c.credential, c.signal, {
        method: "POST",
        path: `/v1/files/${a.file_key}/comments`,
        json: {
          message: a.message,
          ...(a.comment_id ? { comment_id: a.comment_id } : {}),
          ...(a.node_id ? { client_meta: { node_id: a.node_id, node_offset: { x: 0, y: 0 } } } : {}),
        },
      });
    },
  );

  defineTool(
    server,
    ctx,
    "get_team_projects",
    {
      description: "The projects of a Figma team that this token can see. The team id is in the team page's link: figma.com/files/team/<id>/...",
      input: { team_id: id("team").describe("the team id") },
      annotations: read,
    },
    async (a, c) => call(c.credential, c.signal, { path: `/v1/teams/${a.team_id}/projects` }),
  );

  defineTool(
    server,
    ctx,
    "get_project_files",
    {
      description: "The files in a Figma project: key, name, thumbnail and last change. Use a key with get_file.",
      input: { project_id: id("project").describe("a project id from get_team_projects"), branch_data: z.boolean().optional() },
      annotations: read,
    },
    async (a, c) => call(c.credential, c.signal, { path: `/v1/projects/${a.project_id}/files`, query: { branch_data: a.branch_data } }),
  );

  return server;
}

export const figma: BuiltinService = { id: "figma", config, create };
