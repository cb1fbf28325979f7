import type { ServiceState, ServiceStatus } from "../control/types.ts";

/** How one state looks: an Ink colour, and whether it must jump out of the table. */
export interface StateStyle {
  label: string;
  color: string;
  backgroundColor?: string;
  bold?: boolean;
}

const STATE_COLORS: Record<ServiceState, string> = {
  healthy: "green",
  starting: "cyan",
  restarting: "cyan",
  unhealthy: "yellow",
  "backing-off": "yellow",
  failed: "red",
  stopped: "gray",
  idle: "gray",
  invalid: "red",
};

/**
 * Crash-looping gets its own label on a red background, whatever the underlying
 * state: it is the row a self-hoster scanning 300 services must not miss.
 */
export function stateStyle(s: Pick<ServiceStatus, "state" | "crashLoop">): StateStyle {
  if (s.crashLoop) return { label: "CRASH-LOOP", color: "white", backgroundColor: "red", bold: true };
  return { label: s.state, color: STATE_COLORS[s.state] ?? "white", bold: s.state === "failed" || s.state === "invalid" };
}

/** Error rates above this are shown in red. */
export const HIGH_ERROR_RATE = 0.05;
