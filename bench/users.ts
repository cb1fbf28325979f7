// Does mcpd stay flat as users grow? 1, 100, 1,000 and 10,000 demo users generated straight
// into a fresh store, a fresh daemon on it each time, and calls spread over every user's
// instance URL: throughput, latency and the daemon's RSS per size, against 1 user. Beside
// it, the old one-process-per-user model's memory: one demo process's measured RSS × users.
//
//   bun run bench:users [--quick] [--concurrency=16] [--measure-ms=6000]
import { QUICK, flag, freePort, machineLine } from "./lib/opts.ts";
import { runBench } from "./lib/procs.ts";
import { cpuMs, rssKb } from "./lib/procfs.ts";
import { mcpdCommand, startDaemon, tempDir, writeDemoPorts } from "./lib/mcpd.ts";
import { instanceUrl, seedUsers } from "./lib/seed.ts";
import { closedLoop } from "./lib/load.ts";
import { RawSession } from "./lib/mcp.ts";
import { fixed, int, mb, ratio, table } from "./lib/table.ts";
import { summarize, type Summary } from "./lib/stats.ts";

const SIZES = QUICK ? [1, 100] : [1, 100, 1_000, 10_000];
const CONCURRENCY = Number(flag("concurrency", QUICK ? "4" : "16"));
const MEASURE_MS = Number(flag("measure-ms", QUICK ? "1000" : "6000"));
const WARMUP_MS = QUICK ? 300 : 1000;
const MAX_REQUESTS = 500_000;
const SERVICE = { name: "demo", prefix: "demo" };
const ECHO_ARGS = { text: "hello from the bench" };
const TIME_LIMIT_MS = QUICK ? 90_000 : 420_000;

const RSS_SAMPLE_MS = 200;
/** Each size's measured time is split into this many rounds, the sizes taking turns. */
const ROUNDS = QUICK ? 1 : 3;

const log = (s: string) => console.error(`bench:users: ${s}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface SizeResult {
  users: number;
  sessions: number;
  setupSec: number;
  run: Summary;
  /** median of the readings taken while measuring */
  daemonRssKb: number;
  daemonRssMaxKb: number;
  serviceRssKb: number;
  /** CPU ms per request while measuring: the daemon (the proxy) and the shared demo process */
  daemonCpu: number;
  serviceCpu: number;
}

await runBench("bench:users", TIME_LIMIT_MS, async () => {
  const mcpd = mcpdCommand();
  console.log(`# bench:users — ${QUICK ? "quick smoke run" : "full run"}`);
  console.log(`# ${machineLine()}`);
  console.log(
    `# mcpd: ${mcpd.label}; raw HTTP client, ${CONCURRENCY} concurrent, ${MEASURE_MS} ms measured per size in ${ROUNDS} round(s), sizes in turn, after every instance has a session`,
  );

  // Every size is set up first and kept running; then the sizes are measured in turn,
  // round after round, so a drift in the machine's speed during the run falls on all of
  // them alike instead of on whichever size happened to run then.
  const sizes: Size[] = [];
  for (const users of SIZES) sizes.push(await prepare(users));
  for (let round = 0; round < ROUNDS; round++) for (const size of sizes) await measure(size, MEASURE_MS / ROUNDS);
  const results = sizes.map(result);
  for (const size of sizes) await size.daemon.stop();

  const one = results[0]!;
  // The old model: every user's own demo process, each as big as the one measured at 1 user.
  const perProcessKb = one.serviceRssKb;
  const rows = results.map((r) => [
    int(r.users),
    int(r.run.rps),
    ratio(r.run.rps, one.run.rps),
    fixed(r.run.p50),
    ratio(r.run.p50, one.run.p50),
    fixed(r.run.p99),
    ratio(r.run.p99, one.run.p99),
    fixed(r.daemonCpu, 3),
    fixed(r.serviceCpu, 3),
    mb(r.daemonRssKb),
    ratio(r.daemonRssKb, one.daemonRssKb),
    mb(r.daemonRssMaxKb),
    mb(r.serviceRssKb),
    mb(r.daemonRssKb + r.serviceRssKb),
    mb(perProcessKb * r.users),
    String(r.run.errors),
  ]);
  console.log("");
  console.log(
    table(["users", "req/s", "vs 1", "p50 ms", "vs 1", "p99 ms", "vs 1", "mcpd CPU ms/req", "svc CPU ms/req", "daemon RSS", "vs 1", "max", "demo svc RSS", "mcpd total", "old model", "errors"], rows),
  );
  console.log("");
  const last = results[results.length - 1]!;
  const within = (a: number, b: number) => Math.abs(a / b - 1) <= 0.1;
  console.log(
    `${int(last.users)} vs 1 user (target within 10%): throughput ${ratio(last.run.rps, one.run.rps)} ${within(last.run.rps, one.run.rps) ? "MET" : "NOT MET"}; ` +
      `p50 ${ratio(last.run.p50, one.run.p50)} ${within(last.run.p50, one.run.p50) ? "MET" : "NOT MET"}; ` +
      `daemon RSS ${ratio(last.daemonRssKb, one.daemonRssKb)} ${within(last.daemonRssKb, one.daemonRssKb) ? "MET" : "NOT MET"}`,
  );
  console.log(
    `(daemon RSS = median of readings every ${RSS_SAMPLE_MS} ms while measuring, max = the highest; old model = ${mb(perProcessKb)} measured RSS of one demo process × users; mcpd total = daemon + its one shared demo process, with one open session per user. ` +
      `Session setup before measuring: ${results.map((r) => `${int(r.users)}: ${fixed(r.setupSec, 1)} s`).join(", ")})`,
  );
});

/** One size, set up and warm: its daemon, one open session per instance, and the measurements so far. */
interface Size {
  users: number;
  sessionCount: number;
  setupSec: number;
  daemon: Awaited<ReturnType<typeof startDaemon>>;
  svcPid: number;
  call: () => Promise<void>;
  latencies: Float64Array[];
  requests: number;
  errors: number;
  seconds: number;
  firstError?: string;
  rssReadings: number[];
  daemonCpuMs: number;
  serviceCpuMs: number;
}

async function prepare(users: number): Promise<Size> {
  log(`${users} user(s): seeding store, starting daemon, opening sessions`);
  const dataDir = tempDir(`users-${users}`);
  const portsDir = tempDir(`users-${users}-ports`);
  writeDemoPorts(portsDir, [{ ...SERVICE, port: await freePort() }]);
  const ids = await seedUsers(dataDir, SERVICE, users);
  const daemon = await startDaemon({ dataDir, portsDir });
  const status = await daemon.waitHealthy(60_000);
  const svcPid = status.services[0]!.pid!;

  // One session per instance (at least one per worker), opened before the clock starts:
  // a real client holds its session, so the measured calls are the steady state.
  const t0 = performance.now();
  const sessionCount = Math.max(users, CONCURRENCY);
  const sessions: RawSession[] = new Array(sessionCount);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < sessionCount) {
        const i = next++;
        sessions[i] = await RawSession.open({ url: instanceUrl(daemon.proxyUrl, ids[i % users]!, SERVICE.name), headers: {} });
      }
    }),
  );
  const setupSec = (performance.now() - t0) / 1000;

  // Calls go round-robin over every session, so every instance URL is used in turn.
  let turn = 0;
  const call = async () => void (await sessions[turn++ % sessionCount]!.call("echo", ECHO_ARGS));
  await closedLoop(call, { concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, maxMs: WARMUP_MS });
  return { users, sessionCount, setupSec, daemon, svcPid, call, latencies: [], requests: 0, errors: 0, seconds: 0, rssReadings: [], daemonCpuMs: 0, serviceCpuMs: 0 };
}

async function measure(size: Size, ms: number): Promise<void> {
  // RSS under a saturating load swings with the garbage collector's cycle (±20% between
  // single readings of the same run): the median of readings across the runs is the figure.
  const sampler = setInterval(() => size.rssReadings.push(rssKb(size.daemon.pid)), RSS_SAMPLE_MS);
  const cpu0 = [cpuMs(size.daemon.pid), cpuMs(size.svcPid)];
  const run = await closedLoop(size.call, { concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, maxMs: ms });
  size.daemonCpuMs += cpuMs(size.daemon.pid) - cpu0[0]!;
  size.serviceCpuMs += cpuMs(size.svcPid) - cpu0[1]!;
  clearInterval(sampler);
  size.rssReadings.push(rssKb(size.daemon.pid));
  size.latencies.push(run.latencies);
  size.requests += run.requests;
  size.errors += run.errors;
  size.seconds += run.seconds;
  size.firstError ??= run.firstError;
}

function result(size: Size): SizeResult {
  const all = new Float64Array(size.requests);
  let at = 0;
  for (const l of size.latencies) (all.set(l, at), (at += l.length));
  const run = summarize(all, size.requests, size.errors, size.seconds);
  if (run.errors) log(`${size.users} user(s): ${run.errors} errors, first: ${size.firstError}`);
  return {
    users: size.users,
    sessions: size.sessionCount,
    setupSec: size.setupSec,
    run,
    daemonRssKb: median(size.rssReadings),
    daemonRssMaxKb: Math.max(...size.rssReadings),
    serviceRssKb: rssKb(size.svcPid),
    daemonCpu: size.daemonCpuMs / Math.max(1, size.requests),
    serviceCpu: size.serviceCpuMs / Math.max(1, size.requests),
  };
}
