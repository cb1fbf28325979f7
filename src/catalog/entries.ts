/**
 * A starter catalog: widely used MCP servers from npm, ready to serve per user or shared.
 * Compiled into the executable; `mcpd install NAME` writes one into mcp-ports/NAME and
 * installs its package there. Each is on-demand, so nobody pays for what nobody calls.
 */
export interface CatalogEntry {
  /** npm package and the version the config was written for */
  npm: { name: string; version: string; bin: string };
  config: Record<string, unknown>;
}

/** The script a package's bin points at, run by the node beside mcpd (Node.js's own). */
const script = (pkg: string, bin: string) => ["node", `node_modules/${pkg}/${bin}`];

/** `args` go after the script on the command line. */
function entry(name: string, version: string, bin: string, { args = [], ...config }: Record<string, unknown> & { args?: string[] }): CatalogEntry {
  return { npm: { name, version, bin }, config: { ...config, transport: "stdio", start: "on-demand", run: { command: [...script(name, bin), ...args] } } };
}

export const CATALOG: Readonly<Record<string, CatalogEntry>> = {
  memory: entry("@modelcontextprotocol/server-memory", "2026.8.31", "dist/index.js", {
    name: "memory",
    title: "Memory (knowledge graph)",
    description: "A knowledge graph the model can keep notes in; one for everyone (no key).",
    prefix: "mem",
    port: 49180,
    mode: "shared",
  }),
  everything: entry("@modelcontextprotocol/server-everything", "2026.8.31", "dist/index.js", {
    name: "everything",
    title: "Everything (MCP test server)",
    description: "The MCP reference server exercising every feature: tools, resources, prompts, sampling, elicitation.",
    prefix: "evr",
    port: 49181,
    mode: "per-user",
    args: ["stdio"],
    credential: { label: "any text: names this user's own server process", env: { MCPD_EVERYTHING_USER: "{secret}" }, validate: { local: "non-empty" } },
  }),
  filesystem: entry("@modelcontextprotocol/server-filesystem", "2026.8.31", "dist/index.js", {
    name: "filesystem",
    title: "Filesystem",
    description: "Read and write files in one directory per user.",
    prefix: "fs",
    port: 49182,
    mode: "per-user",
    args: ["{directory}"],
    credential: {
      label: "the directory this user's server may use",
      fields: { directory: { label: "directory (absolute path)", secret: false, check: { pattern: "^/" } } },
      env: {},
    },
  }),
  "server-github": entry("@modelcontextprotocol/server-github", "2025.4.8", "dist/index.js", {
    name: "server-github",
    title: "GitHub (npm reference server)",
    description: "The npm @modelcontextprotocol/server-github with each user's token (mcpd's own github service needs no install).",
    prefix: "sgh",
    port: 49183,
    mode: "per-user",
    credential: { label: "GitHub personal access token", env: { GITHUB_PERSONAL_ACCESS_TOKEN: "{secret}" }, validate: { local: "non-empty" } },
  }),
  "server-slack": entry("@modelcontextprotocol/server-slack", "2025.4.25", "dist/index.js", {
    name: "server-slack",
    title: "Slack (npm reference server)",
    description: "The npm @modelcontextprotocol/server-slack with each user's bot token and team.",
    prefix: "ssl",
    port: 49184,
    mode: "per-user",
    credential: {
      label: "Slack bot token and team id",
      fields: {
        bot_token: { label: "bot token (xoxb-…)", secret: true, check: { pattern: "^xox[bp]-" } },
        team_id: { label: "team id (T…)", secret: false, check: { pattern: "^T[A-Z0-9]+$" } },
      },
      env: { SLACK_BOT_TOKEN: "{bot_token}", SLACK_TEAM_ID: "{team_id}" },
    },
  }),
};

/** Whether the package a catalog service runs is installed in its folder. */
export const installedMarker = (e: CatalogEntry) => `node_modules/${e.npm.name}/package.json`;
