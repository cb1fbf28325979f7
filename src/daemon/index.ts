import { serviceTokens } from "../util/serviceTokens.ts";
import type { Paths } from "../config/paths.ts";
import { localClient } from "../control/local.ts";
import { serveControl, type ControlBackend } from "../control/server.ts";
import type { ControlClient, StateChange } from "../control/types.ts";
import { loadKeyring, readKeyring } from "../crypto/masterKey.ts";
import { diffRegistry, loadRegistry } from "../registry/load.ts";
import { openStore } from "../store/index.ts";
import { secureDataDir } from "../config/dataDir.ts";
import { createSupervisor, startReaper, type GroupTracker } from "../supervisor/index.ts";
import { tailLog } from "../supervisor/logs.ts";
import { STOP_GRACE_MS } from "../supervisor/runner.ts";
import { AUDIT_DAYS_DEFAULT, startAuditRetention } from "./auditRetention.ts";
import { claimPidFile } from "./pidfile.ts";
import { startProxy, type ProxyHandle } from "./proxy.ts";
import { bootSummary } from "./bootSummary.ts";
import { buildStatus } from "./status.ts";
import { selfCommand } from "../util/self.ts";
import { McpdError } from "../util/errors.ts";
import { portProblem } from "../supervisor/ports.ts";

/** In-flight proxy requests get this long to finish once mcpd is asked to stop. */
export const DRAIN_TIMEOUT_MS = 5_000;

export interface DaemonOptions {
  paths: Paths;
  host: string;
  port: number;
  env?: NodeJS.ProcessEnv;
  /** transitions as lines on stderr; the TUI turns this off */
  log?: (line: string) => void;
  /** SIGINT/SIGTERM stop the daemon (off in tests that drive it in-process) */
  handleSignals?: boolean;
  stopGraceMs?: number;
  drainMs?: number;
  /** spawn the orphan reaper (off only for in-process tests) */
  reaper?: boolean;
  /** browser origins allowed besides loopback ones (`--allow-origin`) */
  allowedOrigins?: string[];
  /** added to every service's static port (`--port-offset`, for several nodes on one machine) */
  portOffset?: number;
  /** audit rows older than this many days are removed; 0 keeps them all (`--audit-days`) */
  auditDays?: number;
}

export interface DaemonHandle {
  pid: number;
  proxyUrl: string;
  /** the control plane in-process, for `mcpd start --tui` */
  client: ControlClient;
  /** drain, stop children, release the data dir; idempotent */
  stop(reason?: string): Promise<void>;
  /** resolves when the daemon has stopped */
  done: Promise<void>;
}

/** One running mcpd: registry, store, supervisor, proxy, control socket, shutdown. */
export async function runDaemon(o: DaemonOptions): Promise<DaemonHandle> {
  const { paths } = o;
  const log = o.log ?? ((line: string) => process.stderr.write(`mcpd: ${line}\n`));
  const registry = loadRegistry(paths.portsDir, { portOffset: o.portOffset });
  for (const bad of registry.invalid) log(`${bad.name}: not served, its config is broken: ${bad.problems.join("; ")}`);
  secureDataDir(paths.dataDir, log);
  const pid = claimPidFile(paths.pidFile, paths.dataDir);
  const cleanups: Array<() => void | Promise<void>> = [pid.release];
  const cleanupNow = async () => {
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    const store = openStore(paths.dbFile);
    // The proxy keeps instances and opened keys in its own caches and reads the store only
    // on a miss. SQLite's default page cache grew the daemon's malloc heap by ~8 MB at
    // 10,000 users and never gave it back, for reads the OS page cache serves as well.
    store.db.pragma("cache_size = -256"); // KiB
    cleanups.push(() => store.close());
    const changes = store.watch();
    const retention = startAuditRetention({ store, days: o.auditDays ?? AUDIT_DAYS_DEFAULT, log });
    cleanups.push(() => retention.stop());
    const keyring = await loadKeyring(paths.keyFile, { create: true, env: o.env });
    // Made fresh at each boot: services refuse requests without it, so nothing on the machine skips the proxy.
    const tokenFor = serviceTokens();
    // --data in its argv only so `ps` shows whose reaper it is.
    const tracker: GroupTracker | null = o.reaper === false ? null : startReaper([...selfCommand(), "--data", paths.dataDir, "__reaper"]);
    if (tracker) cleanups.push(() => tracker.close());
    // The proxy is built after the supervisor it acquires ports from; it answers `busy` once it exists.
    let busy = (_service: string) => false;
    const supervisor = createSupervisor({
      registry,
      tokenFor,
      logsDir: paths.logsDir,
      env: o.env,
      tracker: tracker ?? undefined,
      stopGraceMs: o.stopGraceMs,
      busy: (s) => busy(s),
    });
    supervisor.onChange((c: StateChange) => log(`${c.service}: ${c.from} → ${c.to} (${c.reason})`));

    const taken = o.port === 0 ? null : await portProblem(o.port, o.host);
    if (taken) throw new McpdError("proxy-port", `cannot serve the proxy on ${o.host}:${o.port}: ${taken}; pick another with --port`);
    const proxy: ProxyHandle = startProxy({
      registry,
      store,
      changes,
      keyring,
      reloadKeyring: () => readKeyring(paths.keyFile, { create: false, env: o.env }),
      tokenFor,
      gate: supervisor,
      host: o.host,
      port: o.port,
      logsDir: paths.logsDir,
      tracker: tracker ?? undefined,
      env: o.env,
      allowedOrigins: o.allowedOrigins,
      // `mcpd start` has already warned about a non-loopback --host.
      warn: () => {},
    });
    busy = proxy.busy;
    cleanups.push(async () => {
      await proxy.server.stop(true);
      await proxy.close();
    });
    const proxyUrl = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${proxy.server.port}`;
    const startedAt = Date.now();

    let stopping: Promise<void> | null = null;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const backend: ControlBackend = {
      status: () =>
        buildStatus({ registry, store, supervisor, metrics: (s) => proxy.snapshot(s), children: (s) => proxy.children(s), stdioFailures: (s) => proxy.stdioFailures(s), pid: process.pid, startedAt, proxyUrl, dataDir: paths.dataDir, portsDir: paths.portsDir }),
      // A stdio service's children are the bridge's; every other service is the supervisor's.
      restart: async (s) => {
        if (!(await proxy.restart(s))) await supervisor.restart(s);
      },
      stop: () => void stop("mcpd stop"),
      logTail: (s, n) => {
        supervisor.state(s); // unknown service → a clear error
        return tailLog(supervisor.logFile(s), n);
      },
      recentChanges: (s) => supervisor.recentChanges(s),
      onChange: (fn) => supervisor.onChange(fn),
      metricsText: () => proxy.prometheus(),
      storeChanged: () => changes.changed(),
      reload: () => {
        // A broken folder is listed, as at `mcpd start`, and the others go on.
        const fresh = loadRegistry(paths.portsDir, { portOffset: o.portOffset });
        const changes = diffRegistry(registry, fresh);
        registry.invalid.splice(0, registry.invalid.length, ...fresh.invalid.filter((i) => !registry.get(i.name)));
        for (const s of changes.added) {
          registry.add(s);
          proxy.addService(s);
          supervisor.add(s);
          log(`${s.name}: added by mcpd reload (${s.file})`);
        }
        return { added: changes.added.map((s) => s.name), changed: changes.changed, removed: changes.removed, invalid: registry.invalid.map((i) => i.name) };
      },
    };
    const control = serveControl(backend, paths.controlSocket);

    async function stop(reason = "stopping"): Promise<void> {
      stopping ??= (async () => {
        log(`${reason}: draining requests, stopping services`);
        proxy.drain();
        control.close();
        // Stop accepting; let requests already in flight finish, but not forever.
        void proxy.server.stop(false);
        const deadline = Date.now() + (o.drainMs ?? DRAIN_TIMEOUT_MS);
        while (proxy.server.pendingRequests > 0 && Date.now() < deadline) await Bun.sleep(25);
        await proxy.server.stop(true);
        await Promise.all([proxy.close(), supervisor.stopAll(reason)]);
        await cleanupNow();
        log("stopped");
        resolveDone();
      })();
      return stopping;
    }

    if (o.handleSignals !== false) {
      for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.on(sig, () => {
          if (stopping) {
            log(`${sig} again: not waiting for services any longer`);
            process.exit(1); // the reaper still SIGKILLs every group once our pipe closes
          }
          void stop(`${sig} received`);
        });
      }
    }

    bootSummary(registry.services.filter((x) => x.start === "boot" && x.transport !== "stdio").map((x) => x.name), (fn) => supervisor.onChange(fn), log);
    supervisor.startAll();
    log(`proxy listening on ${proxyUrl} (pid ${process.pid}, data ${paths.dataDir})`);
    return { pid: process.pid, proxyUrl, client: localClient(backend), stop, done };
  } catch (e) {
    await cleanupNow();
    throw e;
  }
}

export { STOP_GRACE_MS };
