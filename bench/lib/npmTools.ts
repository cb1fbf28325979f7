// supergateway and mcp-proxy, the stdio→HTTP gateways MCP users run today; the official
// conformance suite and the reference server it runs against. Installed with npm into
// bench/.tools on first use, never into the project's dependencies.
import { existsSync } from "node:fs";
import { join } from "node:path";

export const TOOLS_DIR = join(import.meta.dir, "..", ".tools");
const PACKAGES = {
  supergateway: "supergateway@4",
  "mcp-proxy": "mcp-proxy@6",
  conformance: "@modelcontextprotocol/conformance@0.1.16",
  "mcp-server-everything": "@modelcontextprotocol/server-everything@2026.8.31",
} as const;
export type ToolName = keyof typeof PACKAGES;

export const toolBin = (name: ToolName) => join(TOOLS_DIR, "node_modules", ".bin", name);

/** The tool's CLI path, installing it when missing; a reason string when that fails. */
export async function ensureTool(name: ToolName, log: (s: string) => void, opts: { install: boolean }): Promise<{ bin: string } | { unavailable: string }> {
  if (existsSync(toolBin(name))) return { bin: toolBin(name) };
  if (!opts.install || process.env.BENCH_NO_INSTALL === "1") return { unavailable: `${name} not installed (a full run installs it)` };
  log(`${name} missing: npm install ${PACKAGES[name]} into bench/.tools …`);
  const p = Bun.spawn(["npm", "install", "--prefix", TOOLS_DIR, "--no-audit", "--no-fund", "--loglevel=error", PACKAGES[name]], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0 || !existsSync(toolBin(name))) return { unavailable: `npm install ${PACKAGES[name]} failed: ${err.trim().split("\n").pop()}` };
  return { bin: toolBin(name) };
}
