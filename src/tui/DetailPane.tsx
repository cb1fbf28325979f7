import { Box, Text } from "ink";
import type { ServiceStatus, StateChange } from "../control/types.ts";
import { formatBytes, formatClock, formatCount, formatLatency, formatPercent, formatRate, formatUptime, NONE, plainLine, truncate } from "./format.ts";
import { stateStyle } from "./theme.ts";

export interface DetailPaneProps {
  service: ServiceStatus;
  /** null while loading */
  changes: StateChange[] | null;
  log: string[] | null;
  error: string | null;
  /** the config summary from config.json (configSummary.ts); null when it could not be read */
  config?: string[] | null;
  now: number;
  width: number;
  height: number;
}

/** Most state changes the pane lists; the log gets the rest of the height. */
const MAX_CHANGES = 6;

/** One service in full: its config, its numbers, why it changed state lately, and its last log lines. */
export function DetailPane({ service: s, changes, log, error, config = null, now, width, height }: DetailPaneProps) {
  const st = stateStyle(s);
  const m = s.metrics;
  const facts = [
    `port ${s.transport === "stdio" ? NONE : s.port} · ${s.transport} · start ${s.start} · prefix ${s.prefix}`,
    ...(config ?? []),
    `pid ${s.pid ?? NONE} · up ${formatUptime(s.startedAt, now)} · restarts ${s.restarts} · users ${s.users} · sessions ${m.activeSessions}`,
    `requests ${formatCount(m.requests)} · errors ${formatCount(m.errors)} (${formatPercent(m.errorRate)}) · req/s ${formatRate(m.requestsPerSec)} · p50 ${formatLatency(m.p50Ms)} · p99 ${formatLatency(m.p99Ms)}`,
    // A line of its own: appended to the one above it would be cut off at 80 columns.
    `traffic in ${formatBytes(m.bytesIn)} · out ${formatBytes(m.bytesOut)}`,
    ...(s.children ? [`per-user children ${s.children.live} · rss ${formatBytes(s.children.rssBytes)} · crashes ${s.children.crashes}`] : []),
  ];
  const problems = [...(s.lastExit ? [`last exit: ${s.lastExit}`] : []), ...(s.lastError ? [`last error: ${s.lastError}`] : [])];
  // Title + facts + problems + two section titles; what remains is shared by changes and log.
  const room = Math.max(0, height - 1 - facts.length - problems.length - 2);
  const recent = (changes ?? []).slice(-Math.min(MAX_CHANGES, Math.max(1, Math.floor(room / 2)))).reverse();
  const logRoom = Math.max(0, room - Math.max(1, recent.length));
  const tail = (log ?? []).slice(-logRoom);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>{s.name}</Text>
        {s.title !== s.name ? ` · ${s.title}  ` : "  "}
        <Text color={st.color} backgroundColor={st.backgroundColor} bold={st.bold}>
          {st.label}
        </Text>
      </Text>
      {facts.map((f) => (
        <Text key={f} wrap="truncate">
          {f}
        </Text>
      ))}
      {problems.map((p) => (
        <Text key={p} wrap="truncate" color="red">
          {p}
        </Text>
      ))}
      <Text bold wrap="truncate">
        Recent changes{error ? <Text color="red">{`  (${error})`}</Text> : null}
      </Text>
      {changes == null ? <Text dimColor>  loading…</Text> : recent.length === 0 ? <Text dimColor>  none yet</Text> : null}
      {recent.map((c) => (
        <Text key={`${c.ts}-${c.from}-${c.to}`} wrap="truncate">
          {`  ${formatClock(c.ts)}  ${c.from} → `}
          <Text color={stateStyle({ state: c.to, crashLoop: false }).color}>{c.to}</Text>
          <Text dimColor>{`  ${c.reason}`}</Text>
        </Text>
      ))}
      <Text bold wrap="truncate">
        Last log lines
      </Text>
      {log == null ? <Text dimColor>  loading…</Text> : tail.length === 0 && logRoom > 0 ? <Text dimColor>  (empty)</Text> : null}
      {tail.map((line, i) => (
        <Text key={i} wrap="truncate">
          {"  " + truncate(plainLine(line), width - 2)}
        </Text>
      ))}
    </Box>
  );
}
