import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { fingerprintOf } from "../../src/services/credential.ts";
import { defineTool, ToolError } from "../../src/services/tool.ts";
import { createMcpServer } from "../../src/services/mcpServer.ts";
import type { BuiltinService, ServiceContext } from "../../src/services/types.ts";
import config from "./config.json" with { type: "json" };

/** Caps so one key cannot fill the shared process's memory with notes. */
const MAX_NOTES_PER_KEY = 100;
const MAX_NOTE_CHARS = 10_000;
const MAX_KEYS = 10_000;

/**
 * Notes live in the process, shared by every session, and are keyed by the credential's
 * fingerprint (never the credential): two users see two notebooks, one user's sessions
 * see one. Gone when the service restarts.
 */
const notebooks = new Map<string, Map<string, string>>();

function notebookOf(fingerprint: string, create: boolean): Map<string, string> | undefined {
  let book = notebooks.get(fingerprint);
  if (!book && create) {
    if (notebooks.size >= MAX_KEYS) throw new ToolError(`the demo service holds notes for ${MAX_KEYS} keys already; restart it to clear them`);
    book = new Map();
    notebooks.set(fingerprint, book);
  }
  return book;
}

function create(ctx: ServiceContext): McpServer {
  const server = createMcpServer(
    { name: "mcpd-demo", title: "mcpd demo", version: "1.0.0" },
    {
      capabilities: { logging: {} },
      instructions: "An offline service for trying mcpd: whoami shows which user, instance and key a call ran with.",
    },
  );

  defineTool(
    server,
    ctx,
    "whoami",
    {
      description:
        "Shows who this call ran as: the mcpd user id, the instance it came through, and a short SHA-256 fingerprint of " +
        "the injected key (never the key). Two users get two different answers from the same shared process.",
      input: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (_args, call) => ({ user: call.user ?? null, instance: call.instance ?? null, keyFingerprint: fingerprintOf(call.credential) }),
  );

  defineTool(
    server,
    ctx,
    "echo",
    {
      description: "Returns the given text unchanged. Useful to check that a client reaches the service at all.",
      input: { text: z.string().max(100_000).describe("text to send back") },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => text,
  );

  defineTool(
    server,
    ctx,
    "slow_count",
    {
      description:
        "Counts from 1 to n, waiting delayMs between steps, and reports each step as it happens: a progress notification " +
        "(when the request carries a progressToken) and a log message. Shows that streamed notifications pass through.",
      input: {
        n: z.number().int().min(1).max(100).default(5).describe("how far to count"),
        delayMs: z.number().int().min(0).max(10_000).default(500).describe("pause before each step, in milliseconds"),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ n, delayMs }, call) => {
      const progressToken = call.extra._meta?.progressToken;
      for (let i = 1; i <= n; i++) {
        await abortableSleep(delayMs, call.signal);
        if (progressToken !== undefined) {
          await call.extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken, progress: i, total: n, message: `counted ${i} of ${n}` },
          });
        }
        await call.extra.sendNotification({
          method: "notifications/message",
          params: { level: "info", logger: "slow_count", data: `count ${i}/${n}` },
        });
      }
      return `counted to ${n}`;
    },
  );

  defineTool(
    server,
    ctx,
    "note_set",
    {
      description:
        "Stores a note under a name, in memory, for the key this call ran with. Another user's key has its own notes, " +
        "so this shows isolation between users of one shared process. Notes vanish when the service restarts.",
      input: {
        name: z.string().min(1).max(100).default("default").describe("the note's name"),
        text: z.string().max(MAX_NOTE_CHARS).describe("what to store"),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ name, text }, call) => {
      const book = notebookOf(fingerprintOf(call.credential), true)!;
      if (!book.has(name) && book.size >= MAX_NOTES_PER_KEY) throw new ToolError(`this key already has ${MAX_NOTES_PER_KEY} notes; overwrite one`);
      book.set(name, text);
      return { stored: name, notes: book.size };
    },
  );

  defineTool(
    server,
    ctx,
    "note_get",
    {
      description: "Reads a note stored with note_set by the same key. A note stored under another user's key is not visible.",
      input: { name: z.string().min(1).max(100).default("default").describe("the note's name") },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ name }, call) => {
      const book = notebookOf(fingerprintOf(call.credential), false);
      return { name, text: book?.get(name) ?? null, names: [...(book?.keys() ?? [])] };
    },
  );

  return server;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new ToolError("cancelled"));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ToolError("cancelled"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export const demo: BuiltinService = { id: "demo", config, create };
