import { fstatSync } from "node:fs";

/** How often the parent pid is checked: a dead daemon's children go within about this long. */
export const PARENT_POLL_MS = 1_000;

/**
 * Calls `gone` once when this process has lost its parent: its stdin pipe closed (the
 * supervisor holds the other end for as long as it lives, however it dies) or it was
 * re-parented. A stdin that is not a pipe (a terminal, /dev/null) is not watched, so a
 * host started by hand keeps running. Returns a function that stops watching.
 */
export function watchLifeline(gone: (why: string) => void, pollMs = PARENT_POLL_MS): () => void {
  let fired = false;
  const fire = (why: string) => {
    if (fired) return;
    fired = true;
    stop();
    gone(why);
  };

  let stdinWatched = false;
  try {
    const st = fstatSync(0);
    stdinWatched = st.isFIFO() || st.isSocket();
  } catch {
    // no fd 0 at all: nothing to watch there
  }
  const onEnd = () => fire("stdin closed");
  if (stdinWatched) {
    process.stdin.on("end", onEnd);
    process.stdin.on("close", onEnd);
    process.stdin.on("error", onEnd);
    // Nobody writes to it; read only to notice the end.
    process.stdin.on("data", () => {});
    process.stdin.resume();
  }

  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) fire("parent exited");
  }, pollMs);
  timer.unref();

  function stop() {
    clearInterval(timer);
    if (stdinWatched) {
      process.stdin.off("end", onEnd);
      process.stdin.off("close", onEnd);
      process.stdin.off("error", onEnd);
      process.stdin.pause();
    }
  }
  return stop;
}
