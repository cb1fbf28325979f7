/**
 * The detail pane's config summary: what a service's config.json says about how it
 * runs, how a user's key reaches it, and its limits, in two short lines.
 */
import type { ServiceConfig } from "../registry/schema.ts";
import { formatBytes } from "./format.ts";

export function configSummary(c: ServiceConfig): string[] {
  const run = "builtin" in c.run ? `run builtin ${c.run.builtin}` : "url" in c.run ? `remote ${c.run.url}` : `run ${c.run.command.join(" ")}`;
  const modes = c.transport === "stdio" ? [`${c.mode} ${c.mode === "per-user" ? `(max ${c.maxProcesses})` : "process"}`] : [];
  const idle = c.start === "on-demand" ? [`idle stop ${span(c.idleStopMs)}`] : [];
  const first = [run, ...modes, ...idle, keySummary(c)].join(" · ");

  // stdio services are reached through the bridge, which has no port of theirs to probe.
  const health = c.transport === "stdio" ? [] : [`health ${c.health.path ? `GET ${c.health.path}` : "port open"} every ${span(c.health.intervalMs)}`];
  const limits = [`${c.limits.requestsPerMinute} req/min`, `body ≤${formatBytes(c.limits.maxBodyBytes)}`, `upstream timeout ${span(c.limits.upstreamTimeoutMs)}`];
  return [first, [...health, ...limits].join(" · ")];
}

function keySummary(c: ServiceConfig): string {
  const cred = c.credential;
  if (!cred) return "no key";
  const where = cred.inject ? `key in header ${cred.inject.header}` : cred.env ? `key in env ${Object.keys(cred.env).join(", ")}` : "key";
  const v = cred.validate;
  const check = !v ? "not checked" : "local" in v ? "checked locally" : `checked by ${v.method} ${v.url}`;
  return `${where} (${check})`;
}

/** A configured period, in its round unit when it has one: 5m, not 5m00s. */
function span(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
