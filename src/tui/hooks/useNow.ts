import { useEffect, useState } from "react";

/** The current time, re-read every `intervalMs`, so uptimes and retry countdowns advance between daemon updates. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
