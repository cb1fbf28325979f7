import { McpdError } from "../util/errors.ts";

/** The clients `--client` knows, in the order the full block lists them. */
export const CLIENTS = ["claude-code", "claude-desktop", "cursor", "vscode", "json"] as const;
export type ClientName = (typeof CLIENTS)[number];

const LABEL: Record<ClientName, string> = {
  "claude-code": "Claude Code",
  "claude-desktop": "Claude Desktop (claude_desktop_config.json, through mcp-remote)",
  cursor: "Cursor (.cursor/mcp.json)",
  vscode: "VS Code (.vscode/mcp.json)",
  json: "any client that reads mcpServers JSON (.mcp.json)",
};

const json = (v: unknown) => JSON.stringify(v, null, 2);
/** Instance URLs hold no quote; the quotes keep a shell from reading `&` or `?` in a public URL. */
const shellQuoted = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** How one client is told about one instance URL, ready to paste. `name` is what the client will call it. */
export function snippet(client: ClientName, name: string, url: string): string {
  switch (client) {
    case "claude-code":
      return `claude mcp add --transport http ${name} ${shellQuoted(url)}`;
    case "claude-desktop":
      return json({ mcpServers: { [name]: { command: "npx", args: ["-y", "mcp-remote", url] } } });
    case "cursor":
      return json({ mcpServers: { [name]: { url } } });
    case "vscode":
      return json({ servers: { [name]: { type: "http", url } } });
    case "json":
      return json({ mcpServers: { [name]: { type: "http", url } } });
  }
}

/** `--client X`, checked: one line naming the ones there are. */
export function clientOption(value: string | undefined): ClientName | null {
  if (value === undefined) return null;
  if ((CLIENTS as readonly string[]).includes(value)) return value as ClientName;
  throw new McpdError("usage", `--client: no client "${value}" (known: ${CLIENTS.join(", ")})`);
}

/** What follows a printed URL: every client's snippet, or just the one asked for. */
export function connectBlock(name: string, url: string, only: ClientName | null): string {
  const shown = only ? [only] : CLIENTS;
  const parts = shown.map((c) => `${LABEL[c]}:\n${indent(snippet(c, name, url))}`);
  return `Connect ${only ? "it" : "a client"}:\n${parts.join("\n")}\n`;
}

const indent = (s: string) => s.split("\n").map((l) => `    ${l}`).join("\n");
