import { afterEach, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseServiceFile } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { configSummary } from "../../src/tui/configSummary.ts";
import { findServiceConfig } from "../../src/tui/hooks/useServiceConfig.ts";
import { tempDir } from "../helpers/tmp.ts";

const PORTS = join(import.meta.dir, "../../mcp-ports");
const shipped = (name: string) => parseServiceFile(join(PORTS, name, "config.json"), join(PORTS, name)) as Service;

let tmp: ReturnType<typeof tempDir> | null = null;
afterEach(() => {
  tmp?.cleanup();
  tmp = null;
});

describe("the detail pane's config summary", () => {
  test("an HTTP service: how it runs, where the key goes and how it is checked, health and limits", () => {
    expect(configSummary(shipped("demo"))).toEqual([
      "run builtin demo · key in header X-Demo-Key (checked locally)",
      "health GET /health every 5s · 6000 req/min · body ≤1MB · upstream timeout 5m",
    ]);
    expect(configSummary(shipped("figma"))[0]).toStartWith("run builtin figma · key in header X-Figma-Token (checked by GET ");
  });

  test("a per-user stdio service: its command, process cap, idle stop and key variable, no port probe", () => {
    expect(configSummary(shipped("envkey"))).toEqual([
      "run node server.mjs · per-user (max 50) · idle stop 10m · key in env ENVKEY_TOKEN (checked locally)",
      "600 req/min · body ≤1MB · upstream timeout 5m",
    ]);
  });

  test("found by the name inside config.json, whatever its folder is called; null when there is none", () => {
    tmp = tempDir("mcpd-tui-config");
    mkdirSync(join(tmp.dir, "not-the-name"));
    cpSync(join(PORTS, "demo", "config.json"), join(tmp.dir, "not-the-name", "config.json"));
    mkdirSync(join(tmp.dir, "broken"));
    writeFileSync(join(tmp.dir, "broken", "config.json"), "{ not json");
    expect(findServiceConfig(tmp.dir, "demo")?.name).toBe("demo");
    expect(findServiceConfig(tmp.dir, "figma")).toBeNull();
    expect(findServiceConfig(join(tmp.dir, "gone"), "demo")).toBeNull();
  });
});
