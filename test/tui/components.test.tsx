import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { DetailPane } from "../../src/tui/DetailPane.tsx";
import { Footer } from "../../src/tui/Footer.tsx";
import { Header } from "../../src/tui/Header.tsx";
import { LogView } from "../../src/tui/LogView.tsx";
import { ServiceTable } from "../../src/tui/ServiceTable.tsx";
import { StatusLine, type StatusLineProps } from "../../src/tui/StatusLine.tsx";
import { scrollWindow } from "../../src/tui/window.ts";
import { daemonStatus, fleet, service } from "./fakes.ts";
import { plain, withColour } from "./ink.ts";

withColour();
afterEach(cleanup);

const NOW = Date.now();
const lines = (frame: string | undefined) => plain(frame).split("\n");
/** The table pads itself to its height; these are the lines with something on them. */
const filled = (frame: string | undefined) => lines(frame).filter((l) => l.trim());

function table(services = fleet(3), over: Partial<Parameters<typeof ServiceTable>[0]> = {}) {
  const height = over.height ?? 19;
  const selected = over.selected ?? 0;
  return render(
    <ServiceTable services={services} selected={selected} window={scrollWindow(services.length, selected, height, 0)} height={height} width={100} now={NOW} stale={false} empty="nothing" {...over} />,
  );
}

describe("ServiceTable", () => {
  test("one row per service with its numbers", () => {
    const figma = service("figma", {
      port: 49160,
      pid: 777,
      startedAt: NOW - 192_000,
      restarts: 2,
      users: 3,
      lastError: "Error: upstream 502",
      metrics: { requestsPerSec: 12.3, errorRate: 0.025, p50Ms: 12, p99Ms: 340 },
    });
    const out = filled(table([figma, service("slack")]).lastFrame());
    expect(out[0]).toMatch(/SERVICE\s+STATE\s+PORT\s+PID\s+UP\s+RST\s+USERS\s+REQ\/S\s+ERR%\s+P50\s+P99\s+LAST ERROR/);
    expect(out[1]).toMatch(/^> figma\s+healthy\s+49160\s+777\s+3m12s\s+2\s+3\s+12\s+2\.5%\s+12ms\s+340ms\s+upstream 502\s*$/);
    expect(out[2]).toMatch(/^ {2}slack\s+healthy/);
    expect(out).toHaveLength(3);
  });

  test("states are coloured and a crash loop stands out on red", () => {
    const frame = table([
      service("ok"),
      service("looping", { state: "backing-off", crashLoop: true }),
      service("dead", { state: "failed" }),
      service("sick", { state: "unhealthy" }),
    ]).lastFrame()!;
    const row = (name: string) => frame.split("\n").find((l) => plain(l).includes(name))!;
    expect(row("ok")).toContain("\x1b[32mhealthy");
    expect(row("looping")).toMatch(/\x1b\[41m.*CRASH-LOOP/);
    expect(row("dead")).toMatch(/\x1b\[31m.*failed/);
    expect(row("sick")).toContain("\x1b[33munhealthy");
  });

  test("the selected row is marked and inverted", () => {
    const frame = table(fleet(5), { selected: 2 }).lastFrame()!;
    const rows = frame.split("\n").slice(1);
    expect(plain(rows[2])).toStartWith("> svc-002");
    expect(rows[2]).toContain("\x1b[7m");
    expect(rows.filter((r) => r.includes("\x1b[7m"))).toHaveLength(1);
  });

  test("300 services at 24 rows: only the rows that fit are rendered, around the selection", () => {
    const services = fleet(300);
    const out = lines(table(services, { selected: 150, height: 19 }).lastFrame());
    expect(out).toHaveLength(20);
    expect(out.at(-1)).toStartWith("> svc-150");
    expect(out[1]).toStartWith("  svc-132");
    expect(out.some((l) => l.includes("svc-000") || l.includes("svc-151"))).toBe(false);
  });

  test("a narrow terminal drops columns instead of wrapping", () => {
    const services = [service("a-rather-long-service-name", { lastError: "something broke badly and at length" }), ...fleet(3)];
    for (const width of [80, 60, 40, 30]) {
      const out = lines(table(services, { width }).lastFrame());
      expect(filled(out.join("\n"))).toHaveLength(5);
      for (const l of out) expect(l.length).toBeLessThanOrEqual(width);
      expect(out[0]).toContain("SERVICE");
      expect(out[0]).toContain("STATE");
    }
    expect(lines(table(services, { width: 40 }).lastFrame())[0]).not.toContain("P99");
  });

  test("a last error is red; a last exit with no error (a restart someone asked for) is only dimmed", () => {
    const frame = table([service("broken", { lastError: "upstream 502" }), service("restarted", { lastExit: "restart requested (exit code 0)" })]).lastFrame()!;
    const row = (name: string) => frame.split("\n").find((l) => plain(l).includes(name))!;
    expect(row("broken")).toContain("\x1b[31mupstream 502");
    expect(row("restarted")).toContain("\x1b[2mrestart requested");
    expect(row("restarted")).not.toContain("\x1b[31m");
  });

  test("says why the table is empty", () => {
    expect(plain(table([], { empty: "no service matches /zzz" }).lastFrame())).toContain("no service matches /zzz");
  });
});

describe("Header", () => {
  test("shows version, proxy URL, uptime, data dir and fleet totals", () => {
    const status = daemonStatus([service("a"), service("b", { state: "failed" }), service("c", { crashLoop: true, state: "backing-off" })], {
      startedAt: NOW - 3_720_000,
      dataDir: "/srv/mcpd/data",
      users: 7,
      instances: 21,
      requestsPerSec: 42,
    });
    const out = lines(render(<Header status={status} now={NOW} width={100} />).lastFrame());
    expect(out[0]).toBe("mcpd 0.1.0  http://127.0.0.1:8080  up 1h02m  data /srv/mcpd/data");
    expect(out[1]).toBe("services 1/3 healthy  users 7  instances 21  req/s 42  1 crash-looping");
  });

  test("an idle on-demand service counts as fine; a crash-looping one does not", () => {
    const status = daemonStatus([service("a"), service("lazy", { state: "idle" }), service("c", { crashLoop: true, state: "idle" })]);
    const out = lines(render(<Header status={status} now={NOW} width={100} />).lastFrame());
    expect(out[1]).toStartWith("services 2/3 healthy");
  });

  test("while the daemon is away: dimmed, and says how old the numbers are", () => {
    const status = daemonStatus([service("a")], { startedAt: NOW - 60_000 });
    const frame = render(<Header status={status} now={NOW} width={100} staleForMs={12_000} />).lastFrame()!;
    expect(lines(frame)[0]).toContain("up 1m00s");
    expect(lines(frame)[1]).toBe("services 1/1 healthy  users 12  instances 40  req/s 3.5  (as of 12s ago)");
    for (const l of frame.split("\n")) expect(l).toStartWith("\x1b[2m");
    expect(render(<Header status={status} now={NOW} width={100} />).lastFrame()!).not.toContain("as of");
  });

  test("a long data dir is cut from the left to fit", () => {
    const status = daemonStatus([], { dataDir: "/home/someone/with/a/very/deep/tree/of/directories/mcpd/data" });
    const first = lines(render(<Header status={status} now={NOW} width={80} />).lastFrame())[0]!;
    expect(first.length).toBeLessThanOrEqual(80);
    expect(first).toEndWith("mcpd/data");
  });
});

describe("StatusLine", () => {
  const base: StatusLineProps = {
    mode: "table",
    confirm: null,
    filter: "",
    sort: "name",
    matches: 300,
    total: 300,
    shown: { start: 0, end: 19 },
    connected: true,
    error: null,
    retryInMs: null,
    notice: null,
  };
  const show = (over: Partial<StatusLineProps>) => plain(render(<StatusLine {...base} {...over} />).lastFrame());

  test("where we are in the list", () => {
    expect(show({})).toBe("sort: name  rows 1–19 of 300");
    expect(show({ filter: "fig", matches: 2, shown: { start: 0, end: 2 }, sort: "p99" })).toBe("sort: p99  filter: /fig  rows 1–2 of 2 (300 total)");
  });

  test("daemon not reachable, with the retry countdown and the reason", () => {
    expect(show({ connected: false, error: "connect ENOENT /tmp/x/mcpd.sock", retryInMs: 1800 })).toBe(
      "daemon not reachable — retrying in 2s  (connect ENOENT /tmp/x/mcpd.sock)",
    );
  });

  test("the selected service's last error when the table has no column for it: red for an error, dim for an exit", () => {
    const error = render(<StatusLine {...base} problem={{ service: "figma", text: "Error: upstream 502\n    at fetch (x.ts:1)", isError: true }} />).lastFrame()!;
    expect(plain(error)).toBe("sort: name  rows 1–19 of 300  figma: upstream 502");
    expect(error).toContain("\x1b[31m  figma: upstream 502");
    const exit = render(<StatusLine {...base} problem={{ service: "demo", text: "restart requested (exit code 0)", isError: false }} />).lastFrame()!;
    expect(plain(exit)).toBe("sort: name  rows 1–19 of 300  demo: restart requested (exit code 0)");
    expect(exit).not.toContain("\x1b[31m");
  });

  test("the restart question and the filter being typed take the line", () => {
    expect(show({ mode: "confirm", confirm: "figma", connected: false, error: "x" })).toBe("Restart figma? y = yes · n/esc = no");
    expect(show({ mode: "filter", filter: "fi", matches: 3 })).toBe("/fi   3 of 300 match · enter to apply, esc to clear");
  });
});

describe("DetailPane and LogView", () => {
  test("config summary, state changes with reasons, and the last log lines", () => {
    const s = service("github", {
      title: "GitHub",
      prefix: "gh",
      port: 49161,
      state: "backing-off",
      crashLoop: true,
      restarts: 5,
      lastExit: "exit code 1",
      lastError: "health probe failed: connection refused",
    });
    const changes = [
      { ts: NOW - 5000, service: "github", from: "starting" as const, to: "healthy" as const, reason: "health probe ok" },
      { ts: NOW - 1000, service: "github", from: "healthy" as const, to: "backing-off" as const, reason: "exit code 1" },
    ];
    const log = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const out = plain(render(<DetailPane service={s} changes={changes} log={log} error={null} now={NOW} width={100} height={19} />).lastFrame());
    expect(out).toContain("github · GitHub  CRASH-LOOP");
    expect(out).toContain("port 49161 · streamable-http · start boot · prefix gh");
    expect(out).toContain("requests 0 · errors 0 (0%) · req/s 0 · p50 - · p99 -");
    expect(out).toContain("traffic in 0B · out 0B");
    expect(out).toContain("last exit: exit code 1");
    expect(out).toContain("last error: health probe failed: connection refused");
    expect(out).toMatch(/healthy → backing-off\s+exit code 1/);
    expect(out.indexOf("→ backing-off")).toBeLessThan(out.indexOf("→ healthy"));
    expect(out).toContain("line 39");
    expect(out).not.toContain("line 0\n");
    expect(out.split("\n").length).toBeLessThanOrEqual(19);
  });

  test("the config summary from config.json sits under the live facts", () => {
    const config = ["run builtin demo · key in header X-Demo-Key (checked locally)", "health GET /health every 5s · 6000 req/min · body ≤1MB · upstream timeout 5m"];
    const out = lines(render(<DetailPane service={service("demo", { port: 49170 })} changes={[]} log={[]} error={null} config={config} now={NOW} width={100} height={19} />).lastFrame());
    expect(out.slice(1, 4)).toEqual(["port 49170 · streamable-http · start boot · prefix demo", ...config]);
    expect(out).toContain("  none yet");
  });

  test("the log view shows the newest lines that fit, cut to the width", () => {
    const lines40 = Array.from({ length: 40 }, (_, i) => `${i} ${"x".repeat(200)}`);
    const out = lines(render(<LogView service="demo" lines={lines40} error={null} width={80} height={19} />).lastFrame());
    expect(out[0]).toBe("log: demo (following)");
    expect(out).toHaveLength(19);
    expect(out.at(-1)).toStartWith("39 x");
    for (const l of out) expect(l.length).toBeLessThanOrEqual(80);
  });
});

test("the footer lists the keys of the current screen", () => {
  expect(plain(render(<Footer mode="table" />).lastFrame())).toBe("↑↓/jk select  enter detail  r restart  l log  / filter  s sort  q quit");
  expect(plain(render(<Footer mode="detail" />).lastFrame())).toBe("esc back  r restart  l log  q quit");
});
