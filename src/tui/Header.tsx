import { Box, Text } from "ink";
import type { DaemonStatus } from "../control/types.ts";
import { formatRate, formatUptime, truncateLeft } from "./format.ts";
import { countHealthy } from "./sort.ts";

export interface HeaderProps {
  status: DaemonStatus | null;
  now: number;
  width: number;
}

/** Two lines: who this daemon is (version, URL, uptime, data dir), then its fleet totals. */
export function Header({ status, now, width }: HeaderProps) {
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
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate">
        <Text bold>mcpd {status.version}</Text>
        {"  "}
        <Text color="cyan">{status.proxyUrl}</Text>
        {`  up ${formatUptime(status.startedAt, now)}`}
        {dataDir ? <Text dimColor>{dataLabel + dataDir}</Text> : null}
      </Text>
      <Text wrap="truncate">
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
      </Text>
    </Box>
  );
}
