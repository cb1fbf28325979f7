// How fast does mcpd bring up the historic fleet, and what does it weigh? A generated
// mcp-ports of 373 demo services (ports 49160 upwards): `mcpd start` until status shows
// every one healthy, the RSS/PSS of mcpd plus its children, and the first request to a
// booted service. Then the same fleet with "start": "on-demand": time until ready, its
// memory, and a cold service's first request.
//
//   bun run bench:fleet [--quick] [--services=373]
import { readFileSync } from "node:fs";
import { Fatal, QUICK, flag, machineLine, waitFor } from "./lib/opts.ts";
import { runBench } from "./lib/procs.ts";
import { cpuMs, descendants, memAvailableKb, pssKb, rssKb } from "./lib/procfs.ts";
import { mcpdCommand, startDaemon, stateSummary, tempDir, writeDemoPorts, type Daemon, type DemoPort } from "./lib/mcpd.ts";
import { instanceUrl, seedUsers } from "./lib/seed.ts";
import { RawSession } from "./lib/mcp.ts";
import { fixed, int, mb, oneLine, table } from "./lib/table.ts";
import type { DaemonStatus } from "../src/control/types.ts";

const SERVICES = Number(flag("services", QUICK ? "8" : "373"));
const FIRST_PORT = 49160;
/** How long boot may take before the row reports how many were healthy by then. */
const BOOT_WAIT_MS = QUICK ? 30_000 : 120_000;
const TIME_LIMIT_MS = QUICK ? 90_000 : 420_000;
const STATUS_POLL_MS = 100;
/**
 * The machine is shared: if starting the fleet leaves less than this free, the boot is cut
 * short and reported as such, rather than pushing everyone's processes into the OOM killer.
 */
const MIN_FREE_KB = 3 * 1024 * 1024;

const log = (s: string) => console.error(`bench:fleet: ${s}`);

/** 0 → "aaa", 1 → "aab", …: prefixes must be letters only, and unique. */
const letters = (i: number) => [676, 26, 1].map((d) => String.fromCharCode(97 + (Math.floor(i / d) % 26))).join("");

/**
 * Ports from 49160 up, skipping any already bound here (another daemon, a test run), so
 * the fleet measures mcpd and not a port clash; the report says when it skipped.
 */
async function fleetPorts(count: number): Promise<{ ports: number[]; skipped: number }> {
  const ports: number[] = [];
  let skipped = 0;
  for (let port = FIRST_PORT; ports.length < count && port < 65535; port++) {
    if (await portFree(port)) ports.push(port);
    else skipped++;
  }
  return { ports, skipped };
}

async function portFree(port: number): Promise<boolean> {
  try {
    const s = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.stop(true);
    return true;
  } catch {
    return false;
  }
}

interface Row {
  mode: string;
  readySec: number;
  healthy: string;
  rssKb: number;
  pssKb: number;
  processes: number;
  note: string;
}

await runBench("bench:fleet", TIME_LIMIT_MS, async () => {
  const mcpd = mcpdCommand();
  console.log(`# bench:fleet — ${QUICK ? "quick smoke run" : "full run"}`);
  console.log(`# ${machineLine()}`);
  console.log(`# mcpd: ${mcpd.label}; ${SERVICES} demo services`);

  const { ports, skipped } = await fleetPorts(SERVICES);
  if (skipped) log(`${skipped} port(s) from ${FIRST_PORT} up were in use and skipped`);
  const services: DemoPort[] = ports.map((port, i) => ({ name: `svc-${String(i + 1).padStart(3, "0")}`, prefix: `sv${letters(i)}`, port }));

  const rows: Row[] = [];
  rows.push(await bootAll(services));
  rows.push(await onDemand(services));

  console.log("");
  console.log(
    table(
      ["start mode", "ready s", "healthy", "processes", "RSS total", "PSS total", "notes"],
      rows.map((r) => [r.mode, fixed(r.readySec, 2), r.healthy, int(r.processes), mb(r.rssKb), mb(r.pssKb), r.note]),
      { left: [0, 6] },
    ),
  );
  console.log("");
  const boot = rows[0]!;
  const lazy = rows[1]!;
  console.log(`all ${SERVICES} healthy at boot in ${fixed(boot.readySec, 2)} s (target <= 20 s): ${boot.healthy === `${SERVICES}/${SERVICES}` && boot.readySec <= 20 ? "MET" : "NOT MET"}`);
  console.log(`on-demand ready in ${fixed(lazy.readySec, 2)} s (target < 1 s): ${lazy.readySec < 1 ? "MET" : "NOT MET"}`);
  const ephemeral = ephemeralOverlap(ports);
  if (ephemeral) console.log(ephemeral);
  console.log(`(ready = from spawning \`mcpd start\` until the daemon's status (as \`mcpd status --json\`, read from its control socket every ${STATUS_POLL_MS} ms) shows the goal; RSS sums mcpd + every descendant; PSS counts shared pages once${skipped ? `; ${skipped} busy port(s) skipped` : ""})`);
});

/**
 * The historic ports (49160+) sit inside Linux's default ephemeral range (32768–60999):
 * any outgoing connection on the machine may hold one as its local port for a while, and
 * a service starting then finds it taken. Said next to the table when it applies.
 */
function ephemeralOverlap(ports: number[]): string | null {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const inside = ports.filter((p) => p >= lo! && p <= hi!).length;
    if (!inside) return null;
    return `note: ${inside} of the ${ports.length} ports lie in this machine's ephemeral port range ${lo}-${hi} (net.ipv4.ip_local_port_range), where outgoing connections take their local ports; reserving them (net.ipv4.ip_local_reserved_ports) keeps them free for the services`;
  } catch {
    return null;
  }
}

/** Memory of the daemon and everything under it, after the state under test is reached. */
function family(pid: number) {
  const pids = [pid, ...descendants(pid)];
  return {
    processes: pids.length,
    daemonRssKb: rssKb(pid),
    daemonCpuMs: cpuMs(pid),
    childCpuMs: pids.slice(1).reduce((s, p) => s + cpuMs(p), 0),
    rssKb: pids.reduce((s, p) => s + rssKb(p), 0),
    pssKb: pids.reduce((s, p) => s + pssKb(p), 0),
  };
}

async function bootAll(services: DemoPort[]): Promise<Row> {
  const dataDir = tempDir("fleet-boot");
  const portsDir = tempDir("fleet-boot-ports");
  writeDemoPorts(portsDir, services);
  // One user on the first service: a service loads its MCP code on its first request, which the row times.
  const [instanceId] = await seedUsers(dataDir, services[0]!, 1);
  const t0 = performance.now();
  const daemon = await startDaemon({ dataDir, portsDir });
  let last: DaemonStatus | undefined;
  let readySec = NaN;
  let cutShort: string | undefined;
  /** why the last status read failed, for a wait that ends with no status at all */
  let statusError: string | undefined;
  // When half and nine tenths were healthy: how the boot went, not only when it ended.
  const milestones: Array<{ share: number; sec: number }> = [];
  try {
    // Until every service is healthy, or healthy but for some that failed for good (a port
    // still taken after the supervisor's retries): waiting longer changes nothing.
    await waitFor(
      async () => {
        if (daemon.proc.exitCode !== null) throw await daemon.died();
        if (memAvailableKb() < MIN_FREE_KB) throw new Fatal(`memory ran low (under ${mb(MIN_FREE_KB)} available): boot cut short`);
        last = await daemon.status().catch((e) => ((statusError = (e as Error).message), last));
        const healthyNow = last?.services.filter((s) => s.state === "healthy").length ?? 0;
        for (const share of [0.5, 0.9]) {
          if (healthyNow >= share * services.length && !milestones.some((m) => m.share === share)) milestones.push({ share, sec: (performance.now() - t0) / 1000 });
        }
        return last && last.services.length === services.length && last.services.every((s) => s.state === "healthy" || s.state === "failed");
      },
      BOOT_WAIT_MS,
      "every service healthy",
      STATUS_POLL_MS,
    );
    readySec = (performance.now() - t0) / 1000;
  } catch (e) {
    cutShort = (e as Error).message;
    log(`boot: ${cutShort}; ${stateSummary(last)}${statusError ? `; last status read: ${statusError}` : ""}`);
  }
  const healthy = last?.services.filter((s) => s.state === "healthy").length ?? 0;
  const failed = last?.services.filter((s) => s.state === "failed") ?? [];
  if (failed.length) log(`boot: ${failed.length} failed: ${failed.map((s) => `${s.name}: ${s.lastError ?? s.lastExit ?? "?"}`).join("; ")}`);
  const mem = family(daemon.pid);
  const first = healthy ? await firstRequest(daemon, instanceId!, services[0]!) : "";
  const t1 = performance.now();
  await daemon.stop();
  const stopSec = (performance.now() - t1) / 1000;
  const failedNote = failed.length ? `${failed.length} failed (${oneLine(failed[0]!.lastError ?? failed[0]!.lastExit ?? "?", 70)}); ` : "";
  const restarts = last?.services.reduce((n, s) => n + s.restarts, 0) ?? 0;
  const progress = milestones.map((m) => `${m.share * 100}% at ${fixed(m.sec, 1)} s`).join(", ");
  return {
    mode: "boot",
    readySec,
    healthy: `${healthy}/${services.length}`,
    ...mem,
    note: `${cutShort ? `${oneLine(cutShort, 60)}; ` : ""}${failedNote}${progress ? `${progress}; ` : ""}${restarts} restarts; daemon ${mb(mem.daemonRssKb)}, ${mb((mem.rssKb - mem.daemonRssKb) / Math.max(1, mem.processes - 1))} RSS per child; CPU so far: daemon ${fixed(mem.daemonCpuMs / 1000, 1)} s, ${fixed(mem.childCpuMs / Math.max(1, mem.processes - 1), 0)} ms per child; ${first ? `${first}; ` : ""}stop took ${fixed(stopSec, 1)} s`,
  };
}

async function onDemand(services: DemoPort[]): Promise<Row> {
  const dataDir = tempDir("fleet-lazy");
  const portsDir = tempDir("fleet-lazy-ports");
  writeDemoPorts(portsDir, services.map((s) => ({ ...s, start: "on-demand" as const })));
  // One user on the first service, so a cold service can be called through its instance URL.
  const cold = services[0]!;
  const [instanceId] = await seedUsers(dataDir, cold, 1);
  const t0 = performance.now();
  const daemon = await startDaemon({ dataDir, portsDir });
  let readySec = NaN;
  let last: DaemonStatus | undefined;
  let statusError: string | undefined;
  try {
    // Ready: the daemon answers and lists every service, none of them failed.
    await waitFor(
      async () => {
        if (daemon.proc.exitCode !== null) throw await daemon.died();
        last = await daemon.status().catch((e) => ((statusError = (e as Error).message), last));
        return last && last.services.length === services.length && last.services.every((s) => s.state === "idle" || s.state === "healthy");
      },
      30_000,
      "the daemon to list every service idle",
      STATUS_POLL_MS,
    );
    readySec = (performance.now() - t0) / 1000;
  } catch (e) {
    log(`on-demand: ${(e as Error).message}; ${stateSummary(last)}${statusError ? `; last status read: ${statusError}` : ""}`);
  }
  const idle = last?.services.filter((s) => s.state === "idle").length ?? 0;
  const mem = family(daemon.pid);
  const note = `${idle} idle, daemon ${mb(mem.daemonRssKb)}; cold ${await firstRequest(daemon, instanceId!, cold)}`;
  await daemon.stop();
  return { mode: "on-demand", readySec, healthy: `${idle} idle`, ...mem, note };
}

/**
 * The first request a service gets (`initialize` through a seeded user's instance URL),
 * next to the call after it: at boot that first request loads the service's MCP code; on
 * demand it also starts the process.
 */
async function firstRequest(daemon: Daemon, instanceId: string, svc: DemoPort): Promise<string> {
  try {
    const session = await RawSession.open({ url: instanceUrl(daemon.proxyUrl, instanceId, svc.name), headers: {} });
    const w0 = performance.now();
    await session.call("whoami", {});
    return `${svc.name} first request (initialize) ${fixed(session.initializeMs, 0)} ms, next call ${fixed(performance.now() - w0, 1)} ms`;
  } catch (e) {
    return `${svc.name} first request failed: ${(e as Error).message.slice(0, 80)}`;
  }
}
