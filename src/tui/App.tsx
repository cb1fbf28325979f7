import { Box, useApp } from "ink";
import { useMemo } from "react";
import type { ControlClient } from "../control/types.ts";
import { DetailPane } from "./DetailPane.tsx";
import { Footer } from "./Footer.tsx";
import { Header } from "./Header.tsx";
import { useDaemonStream, type StreamOptions } from "./hooks/useDaemonStream.ts";
import { useLogFollow } from "./hooks/useLogFollow.ts";
import { useNow } from "./hooks/useNow.ts";
import { useRestart } from "./hooks/useRestart.ts";
import { useScrollWindow } from "./hooks/useScrollWindow.ts";
import { useServiceConfig } from "./hooks/useServiceConfig.ts";
import { useServiceDetail } from "./hooks/useServiceDetail.ts";
import { useTerminalSize, type TerminalSize } from "./hooks/useTerminalSize.ts";
import { useViewKeys } from "./hooks/useViewKeys.ts";
import { layout } from "./layout.ts";
import { LogView } from "./LogView.tsx";
import { GUTTER, ServiceTable } from "./ServiceTable.tsx";
import { problemOffTable } from "./columns.ts";
import { visibleServices } from "./sort.ts";
import { screenOf, selectedIndex, type ViewEffect } from "./state.ts";
import { StatusLine } from "./StatusLine.tsx";

export interface AppProps {
  client: ControlClient;
  /** pin the size instead of following the terminal */
  size?: TerminalSize;
  stream?: StreamOptions;
  /** shown in the empty table while no daemon answers */
  hint?: string;
  /** leaving the view stops the daemon (`mcpd start --tui`), so `q` asks first */
  quitStopsDaemon?: boolean;
}

/** The health view: wires the hooks to the components; all drawing happens below. */
export function App({ client, size, stream: streamOptions, hint, quitStopsDaemon }: AppProps) {
  const { exit } = useApp();
  const term = useTerminalSize(size);
  const now = useNow();
  const stream = useDaemonStream(client, streamOptions);
  const { notice, restart } = useRestart(client);
  const { body, tableRows } = layout(term.rows);
  const all = stream.status?.services ?? [];

  const onEffect = (e: ViewEffect) => (e.type === "quit" ? exit() : restart(e.service));
  const view = useViewKeys((v) => ({ names: visibleServices(all, v.filter, v.sort).map((s) => s.name), pageSize: tableRows, quitStopsDaemon }), onEffect);
  const visible = useMemo(() => visibleServices(all, view.filter, view.sort), [all, view.filter, view.sort]);
  const index = selectedIndex(view, visible.map((s) => s.name));
  const current = visible[index] ?? null;
  const window = useScrollWindow(visible.length, index, tableRows);
  const screen = screenOf(view);
  const detail = useServiceDetail(client, screen === "detail" && current ? current.name : null);
  const config = useServiceConfig(stream.status?.portsDir, screen === "detail" && current ? current.name : null);
  const log = useLogFollow(client, screen === "log" && current ? current.name : null, body - 1);
  // While the daemon is away the numbers are its last ones; uptimes stop where they were.
  const asOf = stream.connected || stream.updatedAt == null ? now : stream.updatedAt;
  const staleForMs = stream.status && !stream.connected && stream.updatedAt != null ? Math.max(0, now - stream.updatedAt) : null;
  const problem = screen === "table" && current ? problemOffTable(current, visible, term.columns - GUTTER) : null;

  const empty = !stream.status ? (stream.error ? `daemon not reachable${hint ? ` — ${hint}` : ""}` : "connecting…") : all.length === 0 ? "no services configured" : `no service matches /${view.filter}`;
  return (
    <Box flexDirection="column" width={term.columns} height={term.rows}>
      <Header status={stream.status} now={asOf} width={term.columns} staleForMs={staleForMs} />
      <StatusLine
        mode={view.mode}
        confirm={view.confirm}
        filter={view.filter}
        sort={view.sort}
        matches={visible.length}
        total={all.length}
        shown={window}
        connected={stream.connected}
        error={stream.error}
        retryInMs={stream.retryAt == null ? null : stream.retryAt - now}
        notice={notice && { text: notice.message, failed: notice.status === "failed" }}
        problem={problem}
      />
      {screen === "detail" && current ? (
        <DetailPane service={current} {...detail} config={config} now={asOf} width={term.columns} height={body} />
      ) : screen === "log" && current ? (
        <LogView service={current.name} lines={log.lines} error={log.error} width={term.columns} height={body} />
      ) : (
        <ServiceTable services={visible} selected={index} window={window} height={tableRows} width={term.columns} now={asOf} stale={!stream.connected} empty={empty} />
      )}
      <Footer mode={view.mode} />
    </Box>
  );
}
