import { Box, Text } from "ink";
import type { DaemonStatus } from "../control/types.ts";
import { formatDuration, formatRate, formatUptime, truncateLeft } from "./format.ts";
import { countHealthy } from "./sort.ts";

export interface HeaderProps {
  status: DaemonStatus | null;
  /** the time the numbers are as of: now, or when the daemon last answered */
  now: number;
  width: number;
  /** the daemon stopped answering this long ago: the numbers are its last ones */
  staleForMs?: number | null;
}

/** Two lines: who this daemon is (version, URL, uptime, data dir), then its fleet totals. */
export function Header({ status, now, width, staleForMs = null }: HeaderProps) {
  if (!status) {
    return (
      <Box flexDirection="column" height={2}>
        <Text bold wrap="truncate">
          mcpd <Text dimColor>· waiting for the daemon…</Text>
        </Text>
        <Text> </Text>
      </Box>
    );
  }
  const lead = `mcpd ${status.version}  ${status.proxyUrl}  up ${formatUptime(status.startedAt, now)}`;
  const dataLabel = "  data ";
  const dataDir = truncateLeft(status.dataDir, width - lead.length - dataLabel.length);
  const healthy = countHealthy(status.services);
  const total = status.services.length;
  const looping = status.services.filter((s) => s.crashLoop).length;
  const stale = staleForMs != null;
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate" dimColor={stale}>
        <Text bold>mcpd {status.version}</Text>
        {"  "}
        <Text color="cyan">{status.proxyUrl}</Text>
        {`  up ${formatUptime(status.startedAt, now)}`}
        {dataDir ? <Text dimColor>{dataLabel + dataDir}</Text> : null}
      </Text>
      <Text wrap="truncate" dimColor={stale}>
        {"services "}
        <Text bold color={healthy === total ? "green" : "yellow"}>
          {healthy}/{total}
        </Text>
        {" healthy  users "}
        <Text bold>{status.users}</Text>
        {"  instances "}
        <Text bold>{status.instances}</Text>
        {"  req/s "}
        <Text bold>{formatRate(status.requestsPerSec)}</Text>
        {looping > 0 ? (
          <Text color="red" bold>
            {`  ${looping} crash-looping`}
          </Text>
        ) : null}
        {stale ? `  (as of ${formatDuration(staleForMs)} ago)` : null}
      </Text>
    </Box>
  );
}
