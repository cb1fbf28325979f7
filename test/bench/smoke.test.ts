// Each bench script, in its --quick form, runs to the end and prints its table. No timing
// is asserted: figures on a shared CI box say nothing; that the scripts still work does.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

async function runQuick(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "bench", script), "--quick"], {
    cwd: ROOT,
    // No installs from a test run: nginx and the npm gateways show as "n/a" when missing.
    env: { ...process.env, BENCH_QUICK: "1", BENCH_NO_INSTALL: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("bench scripts (quick smoke run)", () => {
  test(
    "bench:proxy prints its table of targets",
    async () => {
      const r = await runQuick("proxy.ts");
      expect(r.stderr).not.toContain("time limit");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/client\s+target\s+req\/s/);
      expect(r.stdout).toMatch(/\n(sdk|raw)\s+mcpd\s/);
      // The floor on Bun needs nothing installed, so it always has figures.
      expect(r.stdout).toMatch(/\nraw\s+bun pipe\s+[\d,]+\s/);
      expect(r.stdout).toContain("streaming: slow_count");
    },
    150_000,
  );

  test(
    "bench:users prints a row per user count",
    async () => {
      const r = await runQuick("users.ts");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/users\s+req\/s/);
      expect(r.stdout).toMatch(/\n\s*100\s/);
      expect(r.stdout).toContain("old model");
    },
    150_000,
  );

  test(
    "bench:fleet prints boot and on-demand rows",
    async () => {
      const r = await runQuick("fleet.ts");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/start mode\s+ready s/);
      expect(r.stdout).toMatch(/\nboot\s/);
      expect(r.stdout).toMatch(/\non-demand\s/);
    },
    150_000,
  );

  test(
    "bench:hotpath prints a row per request step",
    async () => {
      const r = await runQuick("hotpath.ts");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/step\s+µs\/call/);
      expect(r.stdout).toContain("open sealed key");
    },
    150_000,
  );
});
