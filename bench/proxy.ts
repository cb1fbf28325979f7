// What does mcpd's proxy cost per request? The demo service measured direct (its own
// port, internal token and key set by the client) and through mcpd's instance URL, next
// to nginx (the cost of a good plain proxy) and the stdio gateways MCP users run today
// (supergateway, mcp-proxy). One closed-loop client, two client kinds (the SDK, raw
// fetch), rounds alternating between targets so drift in machine load hits all alike.
//
//   bun run bench:proxy [--quick] [--concurrency=16] [--rounds=3] [--round-ms=4000] [--against=/path/to/other/mcpd]
//
// --against adds a second mcpd build ("mcpd B", its own data dir and demo process, seeded
// alike) to the same alternating rounds: the A/B a change on the request path comes with.
import { QUICK, flag, freePort, machineLine } from "./lib/opts.ts";
import { runBench } from "./lib/procs.ts";
import { cpuMsOf, descendants, environOf } from "./lib/procfs.ts";
import { mcpdCommand, startDaemon, tempDir, writeDemoPorts } from "./lib/mcpd.ts";
import { addUserWith, demoKeyOf, instanceUrl, seedUsers } from "./lib/seed.ts";
import { hashInstanceId, refOf } from "../src/accounts/instanceId.ts";
import { closedLoop } from "./lib/load.ts";
import { RawSession, openSdkClient, sdkCall, type Target } from "./lib/mcp.ts";
import { ensureNginx, startNginx } from "./lib/nginx.ts";
import { startBunPipe } from "./lib/bunPipe.ts";
import { startStdioGateways, type Gateway } from "./lib/gateways.ts";
import { fixed, int, oneLine, ratio, table } from "./lib/table.ts";
import { stampEvents } from "./lib/sse.ts";
import { mean, percentile } from "./lib/stats.ts";

const CONCURRENCY = Number(flag("concurrency", QUICK ? "4" : "16"));
const ROUNDS = Number(flag("rounds", QUICK ? "1" : "3"));
const ROUND_MS = Number(flag("round-ms", QUICK ? "800" : "4000"));
const WARMUP_MS = QUICK ? 300 : 1500;
/** Caps each round's count too, so a very fast target still stops (and sizes the arrays). */
const ROUND_MAX_REQUESTS = 200_000;
const STREAM_EVENTS = QUICK ? 5 : 20;
const STREAM_DELAY_MS = 50;
const STREAM_REPEATS = QUICK ? 1 : 3;
/** The call every target serves: small, so the figures are about the path, not the tool. */
const ECHO_ARGS = { text: "hello from the bench" };
const SERVICE = { name: "demo", prefix: "demo" };
const USER = "u00001";
const TIME_LIMIT_MS = QUICK ? 90_000 : 420_000;
/** Another mcpd build to measure beside this one, in the same rounds. */
const AGAINST = flag("against", "");

type Mode = "sdk" | "raw";
const MODES: Mode[] = ["sdk", "raw"];

interface Contender {
  name: string;
  target?: Target;
  unavailable?: string;
  /** Processes whose CPU is the proxy's own (none for direct). */
  proxyPids: () => number[];
  /** Processes that run the tools behind it. */
  servicePids: () => number[];
}

interface Tally {
  requests: number;
  errors: number;
  seconds: number;
  proxyCpuMs: number;
  serviceCpuMs: number;
  latencies: number[];
  firstError?: string;
}

const log = (s: string) => console.error(`bench:proxy: ${s}`);

await runBench("bench:proxy", TIME_LIMIT_MS, async () => {
  const mcpd = mcpdCommand();
  console.log(`# bench:proxy — ${QUICK ? "quick smoke run" : "full run"}`);
  console.log(`# ${machineLine()}`);
  console.log(`# mcpd: ${mcpd.label}; ${CONCURRENCY} concurrent sessions per target; ${ROUNDS} round(s) of ${ROUND_MS} ms per target and client kind`);

  // mcpd on a temp data dir with one user, the demo service on a port picked free.
  const dataDir = tempDir("proxy-data");
  const portsDir = tempDir("proxy-ports");
  writeDemoPorts(portsDir, [{ ...SERVICE, port: await freePort() }]);
  const [instanceId] = await seedUsers(dataDir, SERVICE, 1);
  const daemon = await startDaemon({ dataDir, portsDir });
  const status = await daemon.waitHealthy(60_000);
  const svc = status.services.find((s) => s.name === SERVICE.name)!;
  if (!svc.pid) throw new Error("mcpd reports the demo service healthy but without a pid");
  const svcPid = svc.pid;

  // Direct = the very process mcpd runs, reached on its port with the token mcpd gave it.
  const childEnv = environOf(svcPid);
  const token = childEnv.MCPD_INTERNAL_TOKEN;
  if (!token) throw new Error(`demo service (pid ${svcPid}) has no MCPD_INTERNAL_TOKEN in its environment; can't reach it direct`);
  const key = demoKeyOf(USER);
  // What mcpd's proxy adds, so the service does the same work on every path.
  const ref = refOf(SERVICE.prefix, USER, hashInstanceId(instanceId!));
  const directHeaders = { "x-mcpd-internal": token, "X-Demo-Key": key, "x-mcpd-user": USER, "x-mcpd-instance": ref };
  // The targets that reach the service without mcpd each pose as an instance of their own:
  // the service keeps at most 100 sessions per instance, and 16 per target and client kind
  // on one instance would pass that.
  const headersAs = (target: string) => ({ ...directHeaders, "x-mcpd-instance": `${ref}-${target}` });
  const svcUrl = `http://127.0.0.1:${svc.port}`;

  const contenders: Contender[] = [
    { name: "direct", target: { url: `${svcUrl}/mcp`, headers: directHeaders }, proxyPids: () => [], servicePids: () => [svcPid] },
    {
      name: "mcpd",
      target: { url: instanceUrl(daemon.proxyUrl, instanceId!, SERVICE.name), headers: {} },
      // The daemon and any helper process of its own (none today), never the services it runs.
      proxyPids: () => {
        const services = new Set([svcPid, ...descendants(svcPid)]);
        return [daemon.pid, ...descendants(daemon.pid).filter((p) => !services.has(p))];
      },
      servicePids: () => [svcPid],
    },
  ];

  if (AGAINST) {
    const dataB = tempDir("proxy-data-b");
    const portsB = tempDir("proxy-ports-b");
    writeDemoPorts(portsB, [{ ...SERVICE, port: await freePort() }]);
    // Onboarded by B's own CLI: its store is then of the schema B understands, older or newer.
    const idB = await addUserWith(AGAINST, dataB, portsB, SERVICE.name, "u00001");
    const b = await startDaemon({ dataDir: dataB, portsDir: portsB, argv: [AGAINST] });
    const svcB = (await b.waitHealthy(60_000)).services.find((s) => s.name === SERVICE.name)!;
    console.log(`# mcpd B: ${AGAINST}`);
    contenders.push({
      name: "mcpd B",
      target: { url: instanceUrl(b.proxyUrl, idB!, SERVICE.name), headers: {} },
      proxyPids: () => {
        const services = new Set([svcB.pid!, ...descendants(svcB.pid!)]);
        return [b.pid, ...descendants(b.pid).filter((p) => !services.has(p))];
      },
      servicePids: () => [svcB.pid!],
    });
  }

  const nginxBin = await ensureNginx(log, { install: !QUICK });
  if ("bin" in nginxBin) {
    const nginx = await startNginx(nginxBin.bin, tempDir("nginx"), svc.port, headersAs("nginx"));
    contenders.push({ name: "nginx", target: { url: `${nginx.url}/mcp`, headers: {} }, proxyPids: nginx.pids, servicePids: () => [svcPid] });
  } else {
    contenders.push({ name: "nginx", unavailable: nginxBin.unavailable, proxyPids: () => [], servicePids: () => [] });
  }

  // Not a proxy anyone would deploy: the floor under one written on Bun, mcpd included.
  const pipe = await startBunPipe(svc.port);
  contenders.push({ name: "bun pipe", target: { url: `${pipe.url}/mcp`, headers: headersAs("pipe") }, proxyPids: () => [pipe.proc.pid], servicePids: () => [svcPid] });

  const gateways: Gateway[] = await startStdioGateways({ mcpdArgv: mcpd.argv, key, install: !QUICK, log });
  for (const g of gateways) {
    contenders.push(
      g.url
        ? { name: g.name, target: { url: g.url, headers: {} }, proxyPids: () => [g.pid!], servicePids: () => descendants(g.pid!) }
        : { name: g.name, unavailable: g.unavailable, proxyPids: () => [], servicePids: () => [] },
    );
  }

  // The same number of sessions on every target, opened once and reused by every round.
  type Caller = (w: number) => Promise<void>;
  const callers = new Map<string, Caller>();
  const failures = new Map<string, string>();
  for (const c of contenders) {
    if (!c.target) continue;
    for (const mode of MODES) {
      try {
        callers.set(`${mode}/${c.name}`, await openCallers(mode, c.target));
      } catch (e) {
        log(`${c.name} (${mode}): ${oneLine((e as Error).message, 300)}`);
        failures.set(`${mode}/${c.name}`, `sessions fail: ${oneLine((e as Error).message, 70)}`);
      }
    }
    if (!MODES.some((m) => callers.has(`${m}/${c.name}`))) c.target = undefined;
  }

  const tallies = new Map<string, Tally>();
  const live = contenders.filter((c) => c.target);
  for (const mode of MODES) {
    for (const c of live) {
      const call = callers.get(`${mode}/${c.name}`);
      if (call) await closedLoop(call, { concurrency: CONCURRENCY, maxRequests: ROUND_MAX_REQUESTS, maxMs: WARMUP_MS });
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Direct, mcpd, nginx, … then again: A/B alternation, never all of one then the other.
      for (const c of live) {
        const call = callers.get(`${mode}/${c.name}`);
        if (!call) continue;
        const proxy0 = cpuMsOf(c.proxyPids());
        const svc0 = cpuMsOf(c.servicePids());
        const r = await closedLoop(call, { concurrency: CONCURRENCY, maxRequests: ROUND_MAX_REQUESTS, maxMs: ROUND_MS });
        const t = tallies.get(`${mode}/${c.name}`) ?? { requests: 0, errors: 0, seconds: 0, proxyCpuMs: 0, serviceCpuMs: 0, latencies: [] };
        t.requests += r.requests;
        t.errors += r.errors;
        t.seconds += r.seconds;
        t.proxyCpuMs += cpuMsOf(c.proxyPids()) - proxy0;
        t.serviceCpuMs += cpuMsOf(c.servicePids()) - svc0;
        for (const l of r.latencies) t.latencies.push(l);
        t.firstError ??= r.firstError;
        tallies.set(`${mode}/${c.name}`, t);
      }
    }
  }

  const streaming = await streamingCheck(live);

  // ---- report ----
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const unavailable: string[] = [];
  for (const mode of MODES) {
    const base = summaryOf(tallies.get(`${mode}/direct`));
    for (const c of contenders) {
      const s = summaryOf(tallies.get(`${mode}/${c.name}`));
      if (!s) {
        // The reason goes under the table: a long cell would stretch the req/s column.
        const why = c.unavailable ?? failures.get(`${mode}/${c.name}`) ?? "no sessions";
        if (!unavailable.includes(`${c.name}: ${why}`)) unavailable.push(`${c.name}: ${why}`);
        rows.push([mode, c.name, "n/a", "", "", "", "", "", "", "", ""]);
        continue;
      }
      const added = c.name === "direct" ? 0 : s.proxyCpuPerReq;
      rows.push([
        mode,
        c.name,
        int(s.rps),
        base ? ratio(s.rps, base.rps) : "-",
        fixed(s.p50),
        fixed(s.p90),
        fixed(s.p99),
        base ? (c.name === "direct" ? "0" : `${s.p50 - base.p50 >= 0 ? "+" : ""}${fixed(s.p50 - base.p50)}`) : "-",
        fixed(added, 3),
        fixed(s.serviceCpuPerReq, 3),
        s.errors ? `${s.errors} (${oneLine(s.firstError, 40)})` : "0",
      ]);
    }
    const d = summaryOf(tallies.get(`${mode}/direct`));
    const m = summaryOf(tallies.get(`${mode}/mcpd`));
    const n = summaryOf(tallies.get(`${mode}/nginx`));
    if (d && m) verdicts.push(`${mode}: mcpd throughput ${ratio(m.rps, d.rps)} direct (target >= 0.90x): ${m.rps >= 0.9 * d.rps ? "MET" : "NOT MET"}`);
    if (d && m && n) {
      verdicts.push(`${mode}: mcpd added CPU ${fixed(m.proxyCpuPerReq, 3)} ms/req vs nginx ${fixed(n.proxyCpuPerReq, 3)} (target <= nginx): ${m.proxyCpuPerReq <= n.proxyCpuPerReq ? "MET" : "NOT MET"}`);
      verdicts.push(`${mode}: mcpd added p50 ${fixed(m.p50 - d.p50)} ms vs nginx ${fixed(n.p50 - d.p50)} ms (target <= nginx): ${m.p50 - d.p50 <= n.p50 - d.p50 ? "MET" : "NOT MET"}`);
    }
    const b = summaryOf(tallies.get(`${mode}/mcpd B`));
    if (m && b) {
      verdicts.push(`${mode}: A/B proxy CPU ${fixed(m.proxyCpuPerReq, 3)} (this build) vs ${fixed(b.proxyCpuPerReq, 3)} ms/req (mcpd B) = ${ratio(m.proxyCpuPerReq, b.proxyCpuPerReq)}; p50 ${fixed(m.p50)} vs ${fixed(b.p50)} ms`);
    }
    const p = summaryOf(tallies.get(`${mode}/bun pipe`));
    if (d && m && p) {
      verdicts.push(
        `${mode}: the floor on Bun, a byte pipe with no HTTP: ${fixed(p.proxyCpuPerReq, 3)} ms/req CPU${n ? ` (nginx in all: ${fixed(n.proxyCpuPerReq, 3)})` : ""}, ${ratio(p.rps, d.rps)} direct; mcpd's own work on top: ${fixed(m.proxyCpuPerReq - p.proxyCpuPerReq, 3)} ms/req`,
      );
    }
  }
  console.log("");
  console.log(
    table(["client", "target", "req/s", "vs direct", "p50 ms", "p90 ms", "p99 ms", "added p50", "proxy CPU ms/req", "svc CPU ms/req", "errors"], rows, { left: [0, 1, 10] }),
  );
  for (const u of unavailable) console.log(`n/a: ${u}`);
  console.log("");
  console.log(`streaming: slow_count ${STREAM_EVENTS} events ${STREAM_DELAY_MS} ms apart, ${STREAM_REPEATS} call(s) per target (raw fetch, SSE read as it arrives)`);
  console.log(table(["target", "events", "first event ms", "mean gap ms", "min gap ms", "added delay/event ms", "one by one"], streaming));
  for (const r of streaming) {
    const got = Number(r[1]!.split("/")[0]);
    if (Number.isFinite(got) && got < STREAM_EVENTS) console.log(`${r[0]}: fewer progress events arrived than slow_count sent (${r[1]} on average per call)`);
  }
  console.log("");
  for (const v of verdicts) console.log(v);
  console.log(`(proxy CPU = utime+stime delta from /proc of the proxy's processes / requests: the mcpd daemon; nginx master+worker; the Bun pipe's process; the gateway's node process. Direct adds none by definition.)`);

  function summaryOf(t: Tally | undefined) {
    if (!t || t.requests === 0) return undefined;
    const sorted = Float64Array.from(t.latencies).sort();
    return {
      rps: t.requests / t.seconds,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      proxyCpuPerReq: t.proxyCpuMs / t.requests,
      serviceCpuPerReq: t.serviceCpuMs / t.requests,
      errors: t.errors,
      firstError: t.firstError,
    };
  }
});

/** CONCURRENCY sessions of one client kind on one target; worker w always uses session w. */
async function openCallers(mode: Mode, target: Target): Promise<(w: number) => Promise<void>> {
  if (mode === "sdk") {
    const clients: Awaited<ReturnType<typeof openSdkClient>>[] = [];
    for (let i = 0; i < CONCURRENCY; i++) clients.push(await openSdkClient(target));
    return async (w) => void (await sdkCall(clients[w]!, "echo", ECHO_ARGS));
  }
  const sessions: RawSession[] = [];
  for (let i = 0; i < CONCURRENCY; i++) sessions.push(await RawSession.open(target));
  return async (w) => void (await sessions[w]!.call("echo", ECHO_ARGS));
}

/**
 * slow_count through each target, its progress events stamped on arrival. Added delay per
 * event = mean over events of (arrival offset through the target − through direct).
 */
async function streamingCheck(live: Contender[]): Promise<string[][]> {
  const offsets = new Map<string, number[][]>();
  const sessions = new Map<string, RawSession>();
  for (const c of live) {
    try {
      sessions.set(c.name, await RawSession.open(c.target!));
    } catch (e) {
      log(`streaming ${c.name}: ${oneLine((e as Error).message, 300)}`);
    }
  }
  for (let rep = 0; rep < STREAM_REPEATS; rep++) {
    for (const c of live) {
      const s = sessions.get(c.name);
      if (!s) continue;
      const t0 = performance.now();
      const res = await s.callStreaming("slow_count", { n: STREAM_EVENTS, delayMs: STREAM_DELAY_MS });
      const events = (await stampEvents(res)).filter((e) => e.msg.method === "notifications/progress");
      const list = offsets.get(c.name) ?? [];
      list.push(events.map((e) => e.at - t0));
      offsets.set(c.name, list);
    }
  }
  const direct = offsets.get("direct");
  const rows: string[][] = [];
  for (const c of live) {
    const runs = offsets.get(c.name);
    if (!runs) {
      rows.push([c.name, "n/a", "", "", "", "", ""]);
      continue;
    }
    const gaps = runs.flatMap((r) => r.slice(1).map((t, i) => t - r[i]!));
    const added: number[] = [];
    runs.forEach((r, rep) => r.forEach((t, i) => direct?.[rep]?.[i] !== undefined && added.push(t - direct[rep]![i]!)));
    // Bunched arrival (a buffering proxy) shows as gaps far below the tool's own interval.
    const oneByOne = gaps.length > 0 && Math.min(...gaps) >= STREAM_DELAY_MS / 2;
    rows.push([
      c.name,
      `${Math.round(mean(runs.map((r) => r.length)))}/${STREAM_EVENTS}`,
      fixed(mean(runs.map((r) => r[0] ?? NaN))),
      fixed(mean(gaps)),
      gaps.length ? fixed(Math.min(...gaps)) : "-",
      c.name === "direct" ? "0" : fixed(mean(added)),
      oneByOne ? "yes" : "NO",
    ]);
  }
  return rows;
}
