import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadRegistry } from "../../src/registry/load.ts";
import { resolveUpstreamUrl } from "../../src/registry/upstream.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

const base = (name: string, extra: Record<string, unknown> = {}) => ({ name, prefix: name.replace(/[^a-z]/g, "").slice(0, 8), port: 49200, run: { builtin: name }, ...extra });

/** A ports dir with one folder per entry; a string is written as-is (for broken JSON). */
function ports(entries: Record<string, object | string>): string {
  tmp = tempDir("mcpd-registry");
  for (const [dir, config] of Object.entries(entries)) {
    mkdirSync(join(tmp.dir, dir));
    writeFileSync(join(tmp.dir, dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  }
  return tmp.dir;
}

/** The problems of every folder not served (or why nothing loaded at all). */
function problemsOf(portsDir: string): string[] {
  try {
    return loadRegistry(portsDir).invalid.flatMap((i) => i.problems);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
}

describe("loading mcp-ports", () => {
  test("the shipped configs load, demo among them with offline validation", () => {
    const reg = loadRegistry(join(import.meta.dir, "../../mcp-ports"));
    const demo = reg.get("demo")!;
    expect(demo).toMatchObject({ prefix: "demo", transport: "streamable-http", mcpPath: "/mcp" });
    expect(demo.credential?.validate).toEqual({ local: "non-empty" });
    expect(new Set(reg.services.map((s) => s.port)).size).toBe(reg.services.length);
  });

  test("broken JSON names the file", () => {
    const dir = ports({ figma: '{ "name": "figma", ' });
    const [problem, ...rest] = problemsOf(dir);
    expect(rest).toEqual([]);
    expect(problem).toStartWith(`${join(dir, "figma/config.json")}: not valid JSON: `);
  });

  test("a bad field names the file and the field", () => {
    const dir = ports({ figma: base("figma", { prefix: "FIG", transport: "carrier-pigeon" }) });
    const file = join(dir, "figma/config.json");
    expect(problemsOf(dir)).toEqual([
      `${file}: prefix: must be 2 to 8 lowercase letters`,
      expect.stringMatching(new RegExp(`^${file}: transport: `)),
    ]);
  });

  test("a nested bad field is named by its path, and an unknown field is named", () => {
    const dir = ports({ figma: base("figma", { credential: { validate: { url: "/v1/me", header: "X", expectStatus: 999 } }, colour: "red" }) });
    const file = join(dir, "figma/config.json");
    const problems = problemsOf(dir);
    expect(problems).toContain(`${file}: (top level): unknown field "colour"`);
    expect(problems.some((p) => p.startsWith(`${file}: credential.validate`))).toBe(true);
  });

  test("ports outside 1024-65535 are refused", () => {
    const dir = ports({ low: base("low", { port: 80 }), high: base("high", { port: 70000, prefix: "hi" }), frac: base("frac", { port: 5000.5, prefix: "fr" }) });
    expect(problemsOf(dir).sort()).toEqual([
      `${join(dir, "frac/config.json")}: port: must be a whole number`,
      `${join(dir, "high/config.json")}: port: 70000 is above 65535`,
      `${join(dir, "low/config.json")}: port: 80 is below 1024`,
    ]);
  });

  test("two services on one port, one prefix or one name: the error names both", () => {
    const dir = ports({
      figma: base("figma", { prefix: "fig", port: 49160 }),
      figma2: base("figma", { prefix: "fib", port: 49161 }),
      github: base("github", { prefix: "fig", port: 49162 }),
      slack: base("slack", { prefix: "sl", port: 49160 }),
    });
    const f = (d: string) => join(dir, `${d}/config.json`);
    expect(problemsOf(dir)).toEqual([
      `${f("figma2")}: name: figma is already used by service "figma" (${f("figma")})`,
      `${f("github")}: prefix: fig is already used by service "figma" (${f("figma")})`,
      `${f("slack")}: port: 49160 is already used by service "figma" (${f("figma")})`,
    ]);
  });

  test("every broken file is reported at once, not just the first", () => {
    const dir = ports({ aa: "nope", bb: base("bb", { port: 1 }) });
    const problems = problemsOf(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toStartWith(`${join(dir, "aa/config.json")}: not valid JSON`);
    expect(problems[1]).toBe(`${join(dir, "bb/config.json")}: port: 1 is below 1024`);
  });

  test("one broken folder is listed as invalid with its problems; the others are served", () => {
    const dir = ports({ aa: base("aa", { port: 49201 }), bb: "{ nope", cc: base("cc", { port: 49203 }) });
    const reg = loadRegistry(dir);
    expect(reg.services.map((s) => s.name)).toEqual(["aa", "cc"]);
    expect(reg.invalid).toEqual([{ name: "bb", file: join(dir, "bb/config.json"), problems: [expect.stringContaining("bb/config.json: not valid JSON")] }]);
    expect(reg.get("bb")).toBeUndefined();
  });

  test("a missing ports dir says how to point at one", () => {
    tmp = tempDir("mcpd-registry");
    expect(problemsOf(join(tmp.dir, "absent"))).toEqual([`${join(tmp.dir, "absent")}: no such folder of service configs (set --ports or MCPD_PORTS)`]);
  });
});

describe("upstream base URLs", () => {
  test("an environment override replaces the base, so tests reach a fake API", () => {
    const dir = ports({ figma: base("figma", { upstream: { baseUrl: "https://api.figma.com/", env: "FIGMA_API_BASE" } }) });
    const figma = loadRegistry(dir).get("figma")!;
    expect(resolveUpstreamUrl(figma, "/v1/me", {})).toBe("https://api.figma.com/v1/me");
    expect(resolveUpstreamUrl(figma, "/v1/me", { FIGMA_API_BASE: "http://127.0.0.1:9999" })).toBe("http://127.0.0.1:9999/v1/me");
    expect(resolveUpstreamUrl(figma, "https://elsewhere.example/x", { FIGMA_API_BASE: "http://127.0.0.1:9999" })).toBe("https://elsewhere.example/x");
  });
});

describe("a port offset (several nodes on one machine)", () => {
  test("moves every service's port by the offset and nothing else", () => {
    const dir = ports({ a: base("alpha", { port: 49200 }), b: base("beta", { port: 49201 }) });
    const plain = loadRegistry(dir);
    const moved = loadRegistry(dir, { portOffset: 100 });
    expect(moved.services.map((s) => s.port)).toEqual([49300, 49301]);
    expect(moved.services.map((s) => ({ ...s, port: 0 }))).toEqual(plain.services.map((s) => ({ ...s, port: 0 })));
    expect(moved.get("alpha")!.port).toBe(49300);
  });

  test("a port moved past 65535 is a problem naming the file and the sum", () => {
    const dir = ports({ a: base("alpha", { port: 65000 }) });
    const problems = loadRegistry(dir, { portOffset: 600 }).invalid.flatMap((i) => i.problems);
    expect(problems).toEqual([expect.stringMatching(/a\/config\.json: port: 65000 \+ port offset 600 = 65600 is above 65535; use a smaller --port-offset$/)]);
  });
});
