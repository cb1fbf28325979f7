import { Box, Text } from "ink";
import type { ServiceStatus } from "../control/types.ts";
import { COLUMN_GAP, fit, tableColumns, type LaidOutColumn } from "./columns.ts";
import { HIGH_ERROR_RATE, stateStyle } from "./theme.ts";
import type { ListWindow } from "./window.ts";

export interface ServiceTableProps {
  /** the filtered, sorted services */
  services: readonly ServiceStatus[];
  selected: number;
  /** the slice to draw (from scrollWindow); the rest is never rendered */
  window: ListWindow;
  /** data rows that fit (the column header takes one more) */
  height: number;
  width: number;
  now: number;
  /** the daemon stopped answering: the numbers are the last ones it sent */
  stale: boolean;
  /** shown when there are no rows */
  empty: string;
}

/** Two columns: the selection marker and a space. */
export const GUTTER = 2;

/** The service table: a header and only the rows inside `window`. */
export function ServiceTable({ services, selected, window, height, width, now, stale, empty }: ServiceTableProps) {
  // Sized by every service, not just the visible ones, so columns don't shift while scrolling.
  const columns = tableColumns(services, width - GUTTER);
  const rows = services.slice(window.start, Math.min(window.end, window.start + height));
  return (
    <Box flexDirection="column" height={height + 1}>
      <Text bold wrap="truncate" dimColor={stale}>
        {" ".repeat(GUTTER) + columns.map((c) => fit(c.title, c.width, c.align)).join(" ".repeat(COLUMN_GAP))}
      </Text>
      {rows.length === 0 ? <Text dimColor>{"  " + empty}</Text> : null}
      {rows.map((s, i) => (
        <Row key={s.name} service={s} columns={columns} selected={window.start + i === selected} now={now} stale={stale} />
      ))}
    </Box>
  );
}

function Row({ service, columns, selected, now, stale }: { service: ServiceStatus; columns: LaidOutColumn[]; selected: boolean; now: number; stale: boolean }) {
  return (
    <Text wrap="truncate" inverse={selected} dimColor={stale}>
      {selected ? "> " : "  "}
      {columns.map((c, i) => (
        <Text key={c.id}>
          {i > 0 ? " ".repeat(COLUMN_GAP) : ""}
          <Cell service={service} column={c} now={now} />
        </Text>
      ))}
    </Text>
  );
}

function Cell({ service, column, now }: { service: ServiceStatus; column: LaidOutColumn; now: number }) {
  const text = fit(column.cell(service, now, column.width), column.width, column.align);
  if (column.id === "state") {
    const st = stateStyle(service);
    return (
      <Text color={st.color} backgroundColor={st.backgroundColor} bold={st.bold}>
        {text}
      </Text>
    );
  }
  if (column.id === "errors" && service.metrics.errorRate >= HIGH_ERROR_RATE) return <Text color="red">{text}</Text>;
  // An error is red; an exit with no error (a restart someone asked for) is only history.
  if (column.id === "lastError" && text.trim()) return service.lastError ? <Text color="red">{text}</Text> : <Text dimColor>{text}</Text>;
  if (column.id === "restarts" && service.restarts > 0) return <Text color="yellow">{text}</Text>;
  return <Text>{text}</Text>;
}
