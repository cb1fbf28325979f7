import { useEffect, useState } from "react";

export interface Polled<T> {
  data: T | null;
  error: string | null;
}

/**
 * Calls `load` now and every `intervalMs` while `key` is non-null, keeping the last
 * answer. A new key starts over; null stops polling. Failures are kept as a message
 * (the daemon may be restarting) and the next tick tries again.
 */
export function usePolled<T>(key: string | null, load: () => Promise<T>, intervalMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T> & { key: string | null }>({ key: null, data: null, error: null });

  useEffect(() => {
    if (key == null) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    setState({ key, data: null, error: null });
    const tick = async () => {
      try {
        const data = await load();
        if (alive) setState({ key, data, error: null });
      } catch (e) {
        if (alive) setState((s) => ({ ...s, key, error: e instanceof Error ? e.message : String(e) }));
      }
      // Schedule after the answer, never overlapping: a slow daemon gets fewer calls, not a pile-up.
      if (alive) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
    // `load` is a fresh closure each render; the key names what it loads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, intervalMs]);

  return state.key === key ? { data: state.data, error: state.error } : { data: null, error: null };
}
