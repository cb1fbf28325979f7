import { expect, test } from "bun:test";
import { InstanceTable, REF, SERVICE } from "../../src/proxy/instanceTable.ts";
import { Metrics } from "../../src/proxy/metrics.ts";

/** A table holding one instance, as the resolver leaves it. */
function oneInstance(): { table: InstanceTable; row: number } {
  const table = new InstanceTable();
  const row = table.insert(1);
  table.setText(row, REF, "fig_alice_1234abcd");
  table.setNum(row, SERVICE, table.serviceIndex("figma"));
  return { table, row };
}

const { table, row } = oneInstance();

const obs = (over: Partial<Parameters<Metrics["record"]>[0]> = {}) => ({
  service: "figma",
  instance: { row },
  status: 200,
  latencyMs: 3,
  bytesIn: 100,
  bytesOut: 1000,
  error: false,
  ...over,
});

test("a snapshot counts requests, errors, bytes, rates and percentiles", () => {
  let now = 1_000_000;
  const m = new Metrics(() => now, () => 2, oneInstance().table);
  for (let i = 0; i < 98; i++) m.record(obs());
  m.record(obs({ status: 502, error: true, latencyMs: 900 }));
  m.record(obs({ status: 200, latencyMs: 40 }));
  const s = m.snapshot("figma");
  expect(s).toMatchObject({ requests: 100, errors: 1, bytesIn: 10_000, bytesOut: 100_000, activeSessions: 2, requestsPerSec: 20, errorRate: 0.01, p50Ms: 5 });
  expect(s.p99Ms).toBe(50);
  now += 120_000;
  expect(m.snapshot("figma")).toMatchObject({ requests: 100, requestsPerSec: 0, errorRate: 0, p50Ms: null });
});

test("an unknown service has zero metrics", () => {
  expect(new Metrics(() => 0, () => 0, new InstanceTable()).snapshot("none")).toMatchObject({ requests: 0, p50Ms: null, p99Ms: null });
});

test("Prometheus text has per-service counters, a histogram and per-instance counters by ref", () => {
  const m = new Metrics(() => 5_000, () => 1, table);
  m.record(obs());
  m.record(obs({ status: 503, error: true }));
  const text = m.prometheus();
  expect(text).toContain('mcpd_requests_total{service="figma"} 2');
  expect(text).toContain('mcpd_errors_total{service="figma"} 1');
  expect(text).toContain('mcpd_responses_total{service="figma",status="503"} 1');
  expect(text).toContain('mcpd_request_duration_seconds_bucket{service="figma",le="0.005"} 2');
  expect(text).toContain('mcpd_request_duration_seconds_count{service="figma"} 2');
  expect(text).toContain('mcpd_instance_requests_total{service="figma",instance="fig_alice_1234abcd",user="alice"} 2');
  expect(text).toContain('mcpd_active_sessions{service="figma"} 1');
});
