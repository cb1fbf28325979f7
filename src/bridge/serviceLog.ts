import { appendFileSync } from "node:fs";

/** One line into the service's log file (the one `mcpd logs <service>` reads); a no-op without one. */
export type LogLine = (line: string) => void;

export function serviceLog(file: string | undefined): LogLine {
  if (!file) return () => {};
  return (line) => {
    try {
      appendFileSync(file, line.endsWith("\n") ? line : `${line}\n`, { mode: 0o600 });
    } catch {
      // A full disk or a missing log dir must not take the service down with it.
    }
  };
}

/** What of a line a child wrote goes into the log when it is not protocol: enough to recognise it. */
export const LOGGED_LINE_MAX_CHARS = 500;
export const clip = (line: string) => (line.length > LOGGED_LINE_MAX_CHARS ? `${line.slice(0, LOGGED_LINE_MAX_CHARS)}… (${line.length} chars)` : line);
