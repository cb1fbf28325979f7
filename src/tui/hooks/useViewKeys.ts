import { useInput } from "ink";
import { useRef, useState } from "react";
import { actionFor, splitKeys } from "../keys.ts";
import { INITIAL_VIEW, reduceView, type ViewContext, type ViewEffect, type ViewState } from "../state.ts";

/**
 * Turns key presses into view state through keys.ts and state.ts, and hands the
 * effects (quit, restart) to the caller. `ctxOf` is called at key time, so a press
 * acts on the rows as they are on screen now (including a filter typed a key ago).
 */
export function useViewKeys(ctxOf: (view: ViewState) => ViewContext, onEffect: (e: ViewEffect) => void, initial: ViewState = INITIAL_VIEW): ViewState {
  const [view, setView] = useState(initial);
  const latest = useRef({ view, ctxOf, onEffect });
  latest.current = { view, ctxOf, onEffect };

  useInput((chunk, chunkKey) => {
    for (const [input, key] of splitKeys(chunk, chunkKey)) {
      const { view: v, ctxOf: ctx, onEffect: fire } = latest.current;
      const action = actionFor(v.mode, input, key);
      if (!action) continue;
      const next = reduceView(v, action, ctx(v));
      // Keep the ref current so the next key of the same chunk sees this one's result.
      latest.current = { ...latest.current, view: next.view };
      setView(next.view);
      if (next.effect) fire(next.effect);
    }
  });

  return view;
}
