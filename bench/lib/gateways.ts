// supergateway and mcp-proxy in front of the demo service's stdio form: they front stdio
// servers only, so this is the nearest like-for-like (same tools, same code, one child
// per session as those gateways run them).
import { STDIO_KEY_ENV } from "../../src/services/stdio.ts";
import { spawnTracked } from "./procs.ts";
import { ensureTool, type ToolName } from "./npmTools.ts";
import { freePort, waitFor } from "./opts.ts";

export interface Gateway {
  name: ToolName;
  url?: string;
  pid?: number;
  unavailable?: string;
}

/**
 * argv of the demo in stdio form: `mcpd __service demo --stdio`, or BENCH_STDIO_CMD (a
 * JSON argv) to front another stdio server with the same tools.
 */
export function stdioCommand(mcpdArgv: string[]): string[] {
  return process.env.BENCH_STDIO_CMD ? (JSON.parse(process.env.BENCH_STDIO_CMD) as string[]) : [...mcpdArgv, "__service", "demo", "--stdio"];
}

/** Does that command speak MCP on stdio? Sends initialize, waits for its answer. */
export async function probeStdio(argv: string[], env: Record<string, string>): Promise<string | null> {
  const p = Bun.spawn(argv, { env: { ...process.env, ...env }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  p.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "1" } } }) + "\n");
  p.stdin.flush();
  const timer = setTimeout(() => p.kill("SIGKILL"), 5_000);
  let seen = "";
  try {
    for await (const chunk of p.stdout as unknown as AsyncIterable<Uint8Array>) {
      seen += new TextDecoder().decode(chunk);
      if (/"id":\s*0/.test(seen) && seen.includes('"result"')) return null;
      if (seen.length > 65536) break;
    }
  } finally {
    clearTimeout(timer);
    p.kill("SIGKILL");
  }
  const err = (await new Response(p.stderr).text()).trim().split("\n").pop() ?? "";
  return `\`${argv.slice(-3).join(" ")}\` does not answer MCP on stdio${err ? ` (${err.slice(0, 60)})` : ""}`;
}

const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export async function startStdioGateways(opts: { mcpdArgv: string[]; key: string; install: boolean; log: (s: string) => void }): Promise<Gateway[]> {
  const argv = stdioCommand(opts.mcpdArgv);
  const env = { [STDIO_KEY_ENV]: opts.key };
  const notStdio = await probeStdio(argv, env);
  const out: Gateway[] = [];
  for (const name of ["supergateway", "mcp-proxy"] as const) {
    if (notStdio) {
      out.push({ name, unavailable: `fronts stdio servers only; ${notStdio}` });
      continue;
    }
    const tool = await ensureTool(name, opts.log, { install: opts.install });
    if ("unavailable" in tool) {
      out.push({ name, unavailable: tool.unavailable });
      continue;
    }
    const port = await freePort();
    // Both keep one stdio child per session (their stateful mode), the way they are deployed for MCP clients that hold sessions.
    const cmd =
      name === "supergateway"
        ? ["node", tool.bin, "--stdio", argv.map(shellQuote).join(" "), "--outputTransport", "streamableHttp", "--stateful", "--port", String(port), "--streamableHttpPath", "/mcp", "--logLevel", "none"]
        : ["node", tool.bin, "--host", "127.0.0.1", "--port", String(port), "--server", "stream", "--no-eventStore", "--", ...argv];
    const proc = spawnTracked(cmd, { env, stdout: "ignore", stderr: "ignore" });
    try {
      await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}`);
          const r = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "GET" }).catch(() => null);
          return r !== null;
        },
        15_000,
        `${name} to listen`,
      );
      out.push({ name, url: `http://127.0.0.1:${port}/mcp`, pid: proc.pid });
    } catch (e) {
      out.push({ name, unavailable: (e as Error).message.slice(0, 80) });
    }
  }
  return out;
}
