import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
let built: Promise<string> | undefined;

/**
 * The single executable as install.sh builds it, built once per test run (bun test runs
 * every file in one process) and shared by the files that test through it.
 */
export function compiledMcpd(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpd-bin-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, "mcpd");
    const build = Bun.spawn([process.execPath, "build", "--compile", "--minify-syntax", "--bytecode", "--format=esm", join(ROOT, "src/cli/main.ts"), "--outfile", bin], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    if ((await build.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(build.stderr).text()}`);
    return bin;
  })();
  return built;
}

/** Runs the compiled mcpd with no MCPD_* variables, so only flags and the cwd decide paths. */
export async function runCompiled(bin: string, cwd: string, args: string[], stdin?: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  const proc = Bun.spawn([bin, ...args], { cwd, env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}
