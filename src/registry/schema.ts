import { z } from "zod";

const between = (lo: number, hi: number) =>
  z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(lo, { error: (iss) => `${iss.input} is below ${lo}` })
    .max(hi, { error: (iss) => `${iss.input} is above ${hi}` });

const EnvMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not an environment variable name"), z.string());

const Run = z.union(
  [
    z.strictObject({ builtin: z.string().regex(/^[a-z0-9-]+$/, "must be a builtin id like \"figma\"") }),
    z.strictObject({
      command: z.array(z.string()).min(1, "must name a program to run"),
      cwd: z.string().default("."),
      env: EnvMap.default({}),
    }),
    /** A remote MCP server: no process; the proxy forwards to it with the user's values injected. */
    z.strictObject({
      url: z.url({ error: "must be a URL" }).refine((u) => /^https:\/\//i.test(u) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(u), {
        error: "must be https:// (plain http only to this machine: 127.0.0.1, localhost, [::1])",
      }),
      /** a PEM file of CA certificates to trust besides the system's (a private server), relative to the folder */
      ca: z.string().min(1).optional(),
    }),
  ],
  { error: 'must be { "builtin": "<id>" }, { "command": ["program", "arg", ...] } or { "url": "https://host/mcp" }' },
);

/** A template that carries the user's values: `{secret}`, or the names of credential.fields (`{token}`). */
const Template = z.string().regex(/\{[a-z][a-z0-9_]*\}/, 'must contain {secret} or a field name like {token}');

/** How the user's values reach the service: each `{name}` in `format` is replaced by that field. */
const Inject = z.strictObject({
  header: z.string().regex(/^[A-Za-z0-9-]+$/, "is not an HTTP header name"),
  format: Template.default("{secret}"),
});

/** A check of one field on its own, before any request to the API. */
const FieldCheck = z.union(
  [
    z.strictObject({ local: z.literal("non-empty") }),
    z.strictObject({
      pattern: z.string().refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { error: "is not a regular expression" },
      ),
    }),
  ],
  { error: 'must be { "local": "non-empty" } or { "pattern": "^regex$" }' },
);

/** One named value of a user's credential (Slack's bot token, its team id). */
const Field = z.strictObject({
  label: z.string().min(1),
  /** Secret fields are typed hidden, fingerprinted, never shown and redacted from answers. */
  secret: z.boolean().default(true),
  check: FieldCheck.optional(),
});

const Validate = z.union(
  [
    /** Checked without any network: `non-empty` accepts any key that is not blank. */
    z.strictObject({ local: z.literal("non-empty") }),
    z.strictObject({
      method: z.enum(["GET", "POST", "HEAD"]).default("GET"),
      /** Absolute, or a path under the upstream base URL (which tests override). */
      url: z.string().min(1),
      header: z.string().regex(/^[A-Za-z0-9-]+$/, "is not an HTTP header name"),
      format: Template.default("{secret}"),
      expectStatus: between(100, 599).default(200),
      /** Top-level JSON fields the answer must carry (Slack answers 200 with ok:false). */
      expectJson: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      timeoutMs: between(100, 120_000).default(10_000),
    }),
  ],
  { error: 'must be { "local": "non-empty" } or { "url": ..., "header": ..., "expectStatus": ... }' },
);

const Credential = z
  .strictObject({
    label: z.string().min(1).default("API key"),
    /** Named fields, in the order they are asked for; absent = the one field `{secret}`. */
    fields: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "is not a field name (lowercase letters, digits, _)"), Field)
      .refine((f) => Object.keys(f).length > 0, { error: "must name at least one field" })
      .optional(),
    inject: Inject.optional(),
    /** For stdio services: environment variables the child gets, each `{name}` replaced. */
    env: z.record(z.string(), z.string()).optional(),
    validate: Validate.optional(),
  })
  .superRefine((c, ctx) => {
    const known = c.fields ? Object.keys(c.fields) : ["secret"];
    const templates: Array<[string[], string]> = [];
    if (c.inject) templates.push([["inject", "format"], c.inject.format]);
    if (c.validate && "format" in c.validate) templates.push([["validate", "format"], c.validate.format]);
    for (const [k, v] of Object.entries(c.env ?? {})) templates.push([["env", k], v]);
    for (const [path, t] of templates) {
      for (const m of t.matchAll(/\{([a-z][a-z0-9_]*)\}/g)) {
        if (!known.includes(m[1]!)) {
          ctx.addIssue({ code: "custom", path, message: `{${m[1]}} is not a field of this credential (fields: ${known.join(", ")})` });
        }
      }
    }
  });

export const ServiceConfig = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9-]+$/, "must be lowercase letters, digits and dashes"),
    title: z.string().optional(),
    description: z.string().optional(),
    prefix: z.string().regex(/^[a-z]{2,8}$/, "must be 2 to 8 lowercase letters"),
    /** where a local service listens; a remote one (run.url) has none */
    port: between(1024, 65535).optional(),
    run: Run,
    transport: z.enum(["streamable-http", "sse", "stdio"]).default("streamable-http"),
    path: z.string().startsWith("/", { error: 'must start with "/"' }).optional(),
    /** stdio services: one child for everyone, or one per instance with the user's key. */
    mode: z.enum(["shared", "per-user"]).default("shared"),
    start: z.enum(["boot", "on-demand"]).default("boot"),
    idleStopMs: between(1_000, 86_400_000).default(600_000),
    maxProcesses: between(1, 100_000).default(50),
    /**
     * stdio services: how long a child has to answer `initialize`. Well under the 60 s
     * MCP clients wait themselves, so the client sees mcpd's error naming the child.
     */
    initTimeoutMs: between(1_000, 600_000).default(20_000),
    /** The real API's base URL and the variable that overrides it (tests point it at a fake). */
    upstream: z.strictObject({ baseUrl: z.url({ error: "must be a URL" }), env: z.string().optional() }).optional(),
    credential: Credential.optional(),
    health: z
      .strictObject({
        path: z.string().startsWith("/").optional(),
        intervalMs: between(100, 3_600_000).default(5_000),
        timeoutMs: between(50, 600_000).default(2_000),
      })
      .default({ intervalMs: 5_000, timeoutMs: 2_000 }),
    limits: z
      .strictObject({
        requestsPerMinute: between(1, 10_000_000).default(600),
        burst: between(1, 10_000_000).optional(),
        /** everything but calls (initialize, notifications, pings, lists): default 6,000 a minute */
        protocolPerMinute: between(1, 10_000_000).optional(),
        /** calls per instance per UTC day; none by default */
        callsPerDay: between(1, 1_000_000_000).optional(),
        maxBodyBytes: between(1, 1 << 30).default(1_048_576),
        upstreamTimeoutMs: between(100, 3_600_000).default(300_000),
      })
      .default({ requestsPerMinute: 600, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 300_000 }),
  })
  .superRefine((c, ctx) => {
    const remote = "url" in c.run;
    if (!remote && c.port === undefined) ctx.addIssue({ code: "custom", path: ["port"], message: "required: the static port the service listens on" });
    if (remote && c.port !== undefined) ctx.addIssue({ code: "custom", path: ["port"], message: "a remote service (run.url) listens nowhere here: leave port out" });
    if (remote && c.transport === "stdio") ctx.addIssue({ code: "custom", path: ["transport"], message: 'a remote service speaks "streamable-http" or "sse"' });
    if ("command" in c.run) {
      // `{port}` is the service's port; any other `{name}` a non-secret field of the user's (argv is public to `ps`).
      const open = new Set(Object.entries(c.credential?.fields ?? {}).filter(([, f]) => !f.secret).map(([n]) => n));
      for (const [i, arg] of c.run.command.entries()) {
        for (const m of arg.matchAll(/\{([a-z][a-z0-9_]*)\}/g)) {
          if (m[1] === "port" || open.has(m[1]!)) continue;
          ctx.addIssue({ code: "custom", path: ["run", "command", i], message: `{${m[1]}} is not a non-secret field of credential.fields: secret values go only in credential.env, never on the command line` });
        }
      }
    }
    if (c.transport === "stdio" && !("command" in c.run)) {
      ctx.addIssue({ code: "custom", path: ["run"], message: "a stdio service needs run.command" });
    }
    if (c.mode === "per-user" && c.transport !== "stdio") {
      ctx.addIssue({ code: "custom", path: ["mode"], message: '"per-user" is only for stdio services' });
    }
    if (c.credential?.inject && c.credential?.env) {
      ctx.addIssue({ code: "custom", path: ["credential"], message: "give inject (HTTP services) or env (stdio services), not both" });
    }
  });

export type ServiceConfig = z.output<typeof ServiceConfig>;

/** A validated config together with where it came from. */
export type Service = Omit<ServiceConfig, "port"> & {
  /** the static port; 0 for a remote service */
  port: number;
  /** The folder holding config.json; `run.cwd` resolves against it. */
  dir: string;
  file: string;
  /** The MCP endpoint path on the service (`/mcp`, or `/sse` for legacy services). */
  mcpPath: string;
};
