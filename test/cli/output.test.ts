import { describe, expect, test } from "bun:test";
import { errorText, shellWord } from "../../src/cli/output.ts";
import { usageClause } from "../../src/cli/usage.ts";
import { ConfigError } from "../../src/registry/load.ts";
import { McpdError } from "../../src/util/errors.ts";

describe("errorText", () => {
  test("one problem is one line", () => {
    expect(errorText(new McpdError("usage", "no service \"x\""))).toBe('mcpd: no service "x"\n');
  });

  test("several config problems print under a line that says how many, with no empty first line", () => {
    const e = new ConfigError(["mcp-ports/a/config.json: port: 80 is below 1024", "mcp-ports/b/config.json: not valid JSON: Unexpected token"]);
    expect(errorText(e)).toBe(
      "mcpd: 2 problems in the service configs:\n  mcp-ports/a/config.json: port: 80 is below 1024\n  mcp-ports/b/config.json: not valid JSON: Unexpected token\n",
    );
  });

  test("a multi-line message from elsewhere is counted the same way", () => {
    expect(errorText(new Error("first\n\nsecond\n"))).toBe("mcpd: 2 problems:\n  first\n  second\n");
  });
});

test("commander's error with a suggestion becomes one clause", () => {
  expect(usageClause("error: unknown command 'strat'\n(Did you mean start?)\n")).toBe("unknown command 'strat'; did you mean start?");
  expect(usageClause("error: unknown option '--jsn'\n(Did you mean one of --json, --js?)\n")).toBe("unknown option '--jsn'; did you mean one of --json, --js?");
});

test("shellWord quotes only what the shell would split or expand", () => {
  expect(shellWord("/srv/mcpd/data")).toBe("/srv/mcpd/data");
  expect(shellWord("/home/j d/it's")).toBe(`'/home/j d/it'\\''s'`);
});
