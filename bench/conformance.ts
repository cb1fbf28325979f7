// bench:conformance — the official MCP conformance suite's server scenarios, run against
// the published reference server (server-everything) three ways in one run: directly,
// through an mcpd instance URL (the server fronted as a remote service, default limits),
// and through mcpd's stdio bridge (the same server over stdio). A proxy that is faithful
// passes what direct passes; what it changes is listed scenario by scenario.
//   bun run bench:conformance
// The suite's scenarios expect its own fixture server, which is not published, so the
// reference server fails some of them everywhere: the comparison is the point.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineLine, freePort, waitFor } from "./lib/opts.ts";
import { ensureTool } from "./lib/npmTools.ts";
import { mcpdCommand, startDaemon, tempDir } from "./lib/mcpd.ts";
import { runBench, spawnTracked } from "./lib/procs.ts";
import { table } from "./lib/table.ts";

type Result = { scenarios: Map<string, { passed: number; failed: number }>; passed: number; failed: number; limited: number };

async function runSuite(conformanceBin: string, url: string): Promise<Result> {
  // The suite needs Node 22 (fs.globSync); Bun runs it as it is.
  const p = spawnTracked([process.execPath, conformanceBin, "server", "--url", url], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout as ReadableStream).text(), new Response(p.stderr as ReadableStream).text(), p.exited]);
  const text = out + err;
  const scenarios = new Map<string, { passed: number; failed: number }>();
  for (const m of text.matchAll(/^[✓✗] ([a-z0-9-]+): (\d+) passed, (\d+) failed$/gm)) scenarios.set(m[1]!, { passed: Number(m[2]), failed: Number(m[3]) });
  const total = /^Total: (\d+) passed, (\d+) failed$/m.exec(text);
  if (!total) throw new Error(`the conformance suite printed no total for ${url}: ${text.trim().split("\n").slice(-3).join(" | ")}`);
  return { scenarios, passed: Number(total[1]), failed: Number(total[2]), limited: (text.match(/\b429\b/g) ?? []).length };
}

await runBench("bench:conformance", 15 * 60_000, async () => {
  console.log("# bench:conformance");
  console.log(`# ${machineLine()}`);
  const log = (s: string) => console.error(`bench:conformance: ${s}`);
  const suite = await ensureTool("conformance", log, { install: true });
  const everything = await ensureTool("mcp-server-everything", log, { install: true });
  if ("unavailable" in suite) throw new Error(suite.unavailable);
  if ("unavailable" in everything) throw new Error(everything.unavailable);

  const port = await freePort();
  spawnTracked(["node", everything.bin, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdout: "ignore", stderr: "ignore" });
  const direct = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(direct, { method: "GET" }).catch(() => null)) !== null, 30_000, "server-everything to listen");

  const portsDir = tempDir("conformance-ports");
  const dataDir = tempDir("conformance-data");
  // Default limits on both: what a self-hoster gets.
  mkdirSync(join(portsDir, "every"));
  writeFileSync(join(portsDir, "every", "config.json"), JSON.stringify({ name: "every", prefix: "evr", run: { url: direct } }));
  mkdirSync(join(portsDir, "everystdio"));
  writeFileSync(
    join(portsDir, "everystdio", "config.json"),
    JSON.stringify({ name: "everystdio", prefix: "evs", port: await freePort(), transport: "stdio", mode: "shared", run: { command: ["node", everything.bin, "stdio"] } }),
  );
  const daemon = await startDaemon({ dataDir, portsDir });
  await daemon.waitHealthy(30_000, ["every"]);
  const urlOf = async (service: string) => {
    const p = spawnTracked([...mcpdCommand().argv, "user", "add", "--service", service, "--user", "conformance", "--json"], { env: { ...process.env, MCPD_DATA: dataDir, MCPD_PORTS: portsDir }, stdout: "pipe", stderr: "pipe" });
    const out = await new Response(p.stdout as ReadableStream).text();
    if ((await p.exited) !== 0) throw new Error(`user add ${service} failed`);
    return (JSON.parse(out) as { url: string }).url.replace(/^http:\/\/[^/]+/, daemon.proxyUrl);
  };
  const targets: Array<[string, string]> = [["direct", direct], ["mcpd", await urlOf("every")], ["mcpd bridge", await urlOf("everystdio")]];
  const results = new Map<string, Result>();
  for (const [name, url] of targets) {
    log(`running the suite against ${name} …`);
    results.set(name, await runSuite(suite.bin, url));
  }

  const base = results.get("direct")!;
  const scenariosPassed = (r: Result) => [...r.scenarios.values()].filter((s) => s.failed === 0).length;
  console.log(
    table(
      ["target", "checks passed", "checks failed", "scenarios passed", "vs direct", "429s"],
      targets.map(([name]) => {
        const r = results.get(name)!;
        return [name, String(r.passed), String(r.failed), `${scenariosPassed(r)}/${r.scenarios.size}`, `${r.passed - base.passed >= 0 ? "+" : ""}${r.passed - base.passed}`, String(r.limited)];
      }),
      { left: [0] },
    ),
  );
  for (const [name] of targets.slice(1)) {
    const r = results.get(name)!;
    const differ = [...base.scenarios].filter(([id, d]) => {
      const o = r.scenarios.get(id);
      return !o || o.passed !== d.passed || o.failed !== d.failed;
    });
    for (const [id, d] of differ) {
      const o = r.scenarios.get(id);
      console.log(`${name}: ${id}: ${o ? `${o.passed} passed, ${o.failed} failed` : "missing"} (direct: ${d.passed} passed, ${d.failed} failed)`);
    }
    if (!differ.length) console.log(`${name}: every scenario as direct`);
  }
});
