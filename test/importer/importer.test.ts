import { describe, expect, test } from "bun:test";
import { looksPlaceholder, looksSecretName } from "../../src/importer/guess.ts";
import { fieldNameOf, serviceNameOf, uniquePrefix } from "../../src/importer/names.ts";
import { parseImportFile } from "../../src/importer/parse.ts";
import { planImport, type ExistingService } from "../../src/importer/plan.ts";
import { ServiceConfig } from "../../src/registry/schema.ts";

const claude = JSON.stringify({
  mcpServers: {
    everything: { command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"], env: { EVERYTHING_API_KEY: "<your key>", LOG_LEVEL: "info" } },
    memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] },
    slack: { command: "npx", args: ["-y", "@modelcontextprotocol/server-slack"], env: { SLACK_BOT_TOKEN: "xoxb-real-one", SLACK_TEAM_ID: "<team id>" } },
    files: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "${workspaceFolder}"] },
    off: { command: "x", disabled: true },
  },
});

const plan = (text: string, existing: ExistingService[] = [], extra: Partial<Parameters<typeof planImport>[0]> = {}) => {
  const parsed = parseImportFile("f.json", text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return planImport({ entries: parsed.entries, existing, freePorts: [49300, 49301, 49302, 49303, 49304], ...extra });
};

describe("guesses", () => {
  test("secret names and placeholder values", () => {
    for (const n of ["GITHUB_PERSONAL_ACCESS_TOKEN", "OPENAI_API_KEY", "CLIENT_SECRET", "DB_PASSWORD", "APIKEY", "Authorization", "X-API-Key"]) expect([n, looksSecretName(n)]).toEqual([n, true]);
    for (const n of ["LOG_LEVEL", "SLACK_TEAM_ID", "KEYBOARD", "TOKENIZER_MODE", "BASE_URL"]) expect([n, looksSecretName(n)]).toEqual([n, false]);
    for (const v of ["", "<your-token>", "YOUR_API_KEY", "your_token_here", "${input:tok}", "Bearer ${GITHUB_TOKEN}", "{{token}}", "xxxx", "...", "changeme"]) expect([v, looksPlaceholder(v)]).toEqual([v, true]);
    for (const v of ["info", "ghp_abc123", "https://api.example.com", "-y", "."]) expect([v, looksPlaceholder(v)]).toEqual([v, false]);
  });

  test("names, fields and prefixes", () => {
    expect(serviceNameOf("io.github.acme/Weather MCP")).toBe("weather-mcp");
    expect(fieldNameOf("GITHUB_PERSONAL_ACCESS_TOKEN")).toBe("github_personal_access_token");
    expect(fieldNameOf("X-API-Key")).toBe("x_api_key");
    expect(uniquePrefix("everything", new Set())).toBe("eve");
    expect(uniquePrefix("everything", new Set(["eve", "ever"]))).toBe("every");
    expect(uniquePrefix("ab", new Set(["ab"]))).toBe("aba");
    expect(uniquePrefix("42", new Set())).toBe("srv");
  });
});

describe("planImport", () => {
  test("a Claude Desktop file: secrets and placeholders become user fields, the rest fixed env; each config validates", () => {
    const p = plan(claude);
    expect(p.services.map((s) => [s.name, s.action, s.mode, s.port, s.prefix])).toEqual([
      ["everything", "create", "per-user", 49300, "eve"],
      ["memory", "create", "shared", 49301, "mem"],
      ["slack", "create", "per-user", 49302, "sla"],
    ]);
    const slack = p.services[2]!;
    expect(slack.fields).toEqual([
      { field: "slack_bot_token", from: "SLACK_BOT_TOKEN", secret: true },
      { field: "slack_team_id", from: "SLACK_TEAM_ID", secret: false },
    ]);
    expect(slack.notes).toContain("the value of SLACK_BOT_TOKEN in the file is not copied: each user gives their own");
    expect(JSON.stringify(slack.config)).not.toContain("xoxb-real-one");
    expect((p.services[0]!.config.run as { env: unknown }).env).toEqual({ LOG_LEVEL: "info" });
    expect(p.skipped).toEqual([
      { from: "files", where: "mcpServers.files", reason: 'its arguments hold "${workspaceFolder}", which stands for a value each user gives; mcpd passes user values only through environment variables' },
      { from: "off", where: "mcpServers.off", reason: "disabled in the file" },
    ]);
    for (const s of p.services) expect(ServiceConfig.safeParse(s.config).success).toBe(true);
  });

  test("--secret and --shared override the guess", () => {
    const p = plan(claude, [], { secret: ["LOG_LEVEL"], shared: ["EVERYTHING_API_KEY"] });
    const e = p.services[0]!;
    expect(e.fields).toEqual([{ field: "log_level", from: "LOG_LEVEL", secret: true }]);
    expect((e.config.run as { env: unknown }).env).toEqual({ EVERYTHING_API_KEY: "<your key>" });
  });

  test("importing what is already there changes nothing; a service that differs is not overwritten without force", () => {
    const first = plan(claude);
    const existing = first.services.map((s) => ({ name: s.name, prefix: s.prefix, port: s.port, config: s.config }));
    const again = plan(claude, existing, { freePorts: [49400] });
    expect(again.services.map((s) => s.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(again.services.map((s) => s.port)).toEqual([49300, 49301, 49302]);

    const edited = existing.map((e) => (e.name === "memory" ? { ...e, config: { ...e.config, title: "hand edited" } } : e));
    const conflict = plan(claude, edited);
    expect(conflict.services[1]).toMatchObject({ action: "conflict", reason: "mcp-ports/memory exists and differs; --force overwrites it" });
    expect(plan(claude, edited, { force: true }).services[1]).toMatchObject({ action: "overwrite", port: 49301, prefix: "mem" });
  });

  test("taken prefixes and ports are avoided; running out of ports is a reason, not a crash", () => {
    const p = plan(claude, [{ name: "builtin-eve", prefix: "eve", port: 49300 }], { freePorts: [49301, 49302] });
    expect(p.services.map((s) => [s.name, s.prefix, s.port])).toEqual([["everything", "ever", 49301], ["memory", "mem", 49302]]);
    expect(p.skipped[0]).toEqual({ from: "slack", where: "mcpServers.slack", reason: "no free port left in 49160–49999" });
  });

  test("VS Code servers: a password input is a secret field, a plain input a non-secret one", () => {
    const p = plan(JSON.stringify({
      inputs: [{ id: "tok", type: "promptString", password: true }, { id: "org", type: "promptString", description: "Your org" }],
      servers: { gh: { type: "stdio", command: "docker", args: ["run", "-i", "ghcr.io/github/github-mcp-server"], env: { GH_AUTH: "${input:tok}", GH_ORG: "${input:org}" } } },
    }));
    expect(p.services[0]!.fields).toEqual([
      { field: "gh_auth", from: "GH_AUTH", secret: true },
      { field: "gh_org", from: "GH_ORG", secret: false },
    ]);
    expect((p.services[0]!.config.credential as { fields: Record<string, { label: string }> }).fields.gh_org!.label).toBe("Your org");
  });

  test("a registry server.json: the npm package with runtimeHint, isSecret variables, a default kept as fixed env", () => {
    const p = plan(JSON.stringify({
      name: "io.github.acme/weather",
      description: "Weather for everyone",
      version: "1.2.0",
      packages: [
        {
          registryType: "npm",
          identifier: "@acme/weather-mcp",
          version: "1.2.0",
          runtimeHint: "npx",
          transport: { type: "stdio" },
          packageArguments: [{ type: "named", name: "--units", value: "metric" }],
          environmentVariables: [
            { name: "WEATHER_KEY", isSecret: true, isRequired: true, description: "Weather API key" },
            { name: "WEATHER_REGION", default: "eu" },
            { name: "WEATHER_DEBUG", isRequired: false },
          ],
        },
      ],
    }));
    const s = p.services[0]!;
    expect(s).toMatchObject({ name: "weather", mode: "per-user", fixed: ["WEATHER_REGION"] });
    expect(s.config).toMatchObject({ description: "Weather for everyone", run: { command: ["npx", "-y", "@acme/weather-mcp@1.2.0", "--units", "metric"], env: { WEATHER_REGION: "eu" } } });
    expect(s.fields).toEqual([{ field: "weather_key", from: "WEATHER_KEY", secret: true }]);
    expect(s.notes).toEqual(["variable WEATHER_DEBUG is optional and the file gives no value: left out"]);
  });

  test("remote servers: run.url and the user's header injected around its placeholder; no port; two headers or a fixed one are named with the reason", () => {
    const p = plan(JSON.stringify({
      mcpServers: {
        hosted: { type: "http", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer ${HOSTED_TOKEN}" } },
        open: { url: "https://open.example.com/sse" },
        twice: { type: "http", url: "https://b.example.com/mcp", headers: { "X-Api-Key": "<key>", Authorization: "Bearer <token>" } },
        fixed: { type: "http", url: "https://c.example.com/mcp", headers: { "X-Tenant": "acme" } },
      },
    }));
    expect(p.services.map((s) => [s.name, s.mode, s.port])).toEqual([["hosted", "remote", 0], ["open", "remote", 0]]);
    const hosted = p.services[0]!;
    expect(hosted.config).toMatchObject({ run: { url: "https://mcp.example.com/mcp" }, transport: "streamable-http", credential: { inject: { header: "Authorization", format: "Bearer {authorization}" } } });
    expect(hosted.config.port).toBeUndefined();
    expect(p.services[1]!.config).toMatchObject({ run: { url: "https://open.example.com/sse" }, transport: "sse" });
    for (const s of p.services) expect(ServiceConfig.safeParse(s.config).success).toBe(true);
    expect(p.skipped.map((s) => [s.from, s.reason])).toEqual([
      ["twice", "it needs 2 headers (X-Api-Key, Authorization); mcpd injects one per service"],
      ["fixed", "its header X-Tenant has a fixed value, and mcpd sends a remote server only the user's own header"],
    ]);
  });

  test("a server.json package that needs a per-user argument is named with the reason", () => {
    const p = plan(JSON.stringify({ name: "x/fs", packages: [{ registryType: "npm", identifier: "fs-mcp", packageArguments: [{ type: "positional", valueHint: "directory", isRequired: true }] }] }));
    expect(p.services).toEqual([]);
    expect(p.skipped[0]!.reason).toBe("packages[0].packageArguments[0] (directory) needs a value the file does not give; per-user arguments are not supported");
  });
});

describe("malformed files get one line naming the file and the entry", () => {
  const problem = (text: string) => {
    const r = parseImportFile("claude_desktop_config.json", text);
    return r.ok ? null : r.problem;
  };
  test("the lines", () => {
    expect(problem("{ nope")).toStartWith("claude_desktop_config.json: not valid JSON: ");
    expect(problem('{"mcpServers": {"gh": {"args": ["x"]}}}')).toBe('claude_desktop_config.json: mcpServers.gh.command: is missing: a server needs "command" (or "url")');
    expect(problem('{"mcpServers": {"gh": {"command": "npx", "env": {"A": 1}}}}')).toBe("claude_desktop_config.json: mcpServers.gh.env.A: must be a string");
    expect(problem('{"mcpServers": {"gh": {"command": "npx", "args": "x"}}}')).toBe("claude_desktop_config.json: mcpServers.gh.args: must be an array of strings");
    expect(problem('{"servers": []}')).toBe("claude_desktop_config.json: servers: must be an object of servers by name");
    expect(problem('{"other": 1}')).toBe('claude_desktop_config.json: (top level): has no "mcpServers", "servers", or server.json "packages"/"remotes": not an MCP config this can read');
    expect(problem('{"packages": [{"registryType": "npm"}]}')).toBe("claude_desktop_config.json: packages[0].identifier: must be a string");
  });
});
