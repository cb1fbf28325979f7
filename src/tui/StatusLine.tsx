import { Text } from "ink";
import { ConfirmQuit, ConfirmRestart } from "./ConfirmRestart.tsx";
import { FilterInput } from "./FilterInput.tsx";
import { plainLine, shortError } from "./format.ts";
import type { Mode } from "./keys.ts";
import type { SortMode } from "./sort.ts";

/** Longer than any terminal line; the Text cuts it to the width. */
const MAX_PROBLEM_CHARS = 500;

export interface StatusLineProps {
  mode: Mode;
  confirm: string | null;
  filter: string;
  sort: SortMode;
  /** rows matching the filter, and all services */
  matches: number;
  total: number;
  /** the visible slice of the table, 0-based, end exclusive */
  shown: { start: number; end: number };
  connected: boolean;
  /** set once the daemon has failed to answer */
  error: string | null;
  retryInMs: number | null;
  notice: { text: string; failed: boolean } | null;
  /**
   * The selected service's last error (or last exit), when the table is too narrow for
   * its LAST ERROR column: at 80 columns this line is the only place it shows.
   */
  problem?: { service: string; text: string; isError: boolean } | null;
}

/**
 * The one line between header and table. Whatever needs the user now wins: the
 * restart or quit question, then the filter being typed, then "daemon not reachable", then
 * the last restart's outcome, then where we are in the list.
 */
export function StatusLine(p: StatusLineProps) {
  if (p.mode === "confirm" && p.confirm) return <ConfirmRestart service={p.confirm} />;
  if (p.mode === "confirmQuit") return <ConfirmQuit />;
  if (p.mode === "filter") return <FilterInput value={p.filter} editing matches={p.matches} total={p.total} />;
  if (!p.connected && p.error) {
    const secs = p.retryInMs == null ? null : Math.max(0, Math.ceil(p.retryInMs / 1000));
    return (
      <Text wrap="truncate" color="red" bold>
        daemon not reachable — retrying{secs ? ` in ${secs}s` : "…"}
        <Text dimColor>{`  (${p.error})`}</Text>
      </Text>
    );
  }
  if (p.notice) {
    return (
      <Text wrap="truncate" color={p.notice.failed ? "red" : "green"}>
        {p.notice.text}
      </Text>
    );
  }
  const range = p.matches === 0 ? "0" : `${p.shown.start + 1}–${p.shown.end}`;
  return (
    <Text wrap="truncate">
      <Text dimColor>
        {`sort: ${p.sort}`}
        {p.filter ? `  filter: /${p.filter}` : ""}
        {`  rows ${range} of ${p.matches}`}
        {p.matches !== p.total ? ` (${p.total} total)` : ""}
      </Text>
      {p.problem ? (
        <Text color={p.problem.isError ? "red" : undefined} dimColor={!p.problem.isError}>
          {`  ${p.problem.service}: ${plainLine(shortError(p.problem.text, MAX_PROBLEM_CHARS))}`}
        </Text>
      ) : null}
    </Text>
  );
}
