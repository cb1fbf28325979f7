import { afterEach, expect, test } from "bun:test";
import { Text } from "ink";
import { cleanup, render } from "ink-testing-library";
import { useRestart, type RestartNotice } from "../../src/tui/hooks/useRestart.ts";
import { waitFor } from "../helpers/net.ts";
import { FakeControlClient } from "./fakes.ts";

afterEach(cleanup);

/** Hands each notice to the test; `restart` is the hook's, captured on first render. */
function probe(client: FakeControlClient, noticeMs = { done: 150, failed: 300 }) {
  const seen: Array<RestartNotice | null> = [];
  let restart: (s: string) => void = () => {};
  function Probe() {
    const r = useRestart(client, noticeMs);
    restart = r.restart;
    seen.push(r.notice);
    return <Text>{r.notice?.message ?? "-"}</Text>;
  }
  render(<Probe />);
  return { seen, last: () => seen.at(-1) ?? null, restart: (s: string) => restart(s) };
}

test("a restart's outcome shows, then goes, so the status line gets its rows back", async () => {
  const client = new FakeControlClient();
  const p = probe(client);
  p.restart("demo");
  expect(client.restarts).toEqual(["demo"]);
  await waitFor(() => p.last()?.status === "done", { what: "the done notice" });
  expect(p.last()!.message).toBe("restart of demo requested");
  await waitFor(() => p.last() === null, { timeoutMs: 5_000, what: "the notice to clear" });
});

test("a failed restart says why, and stays longer than a done one", async () => {
  const client = new FakeControlClient();
  client.restart = async () => {
    throw new Error("service nope is not configured");
  };
  const p = probe(client, { done: 50, failed: 400 });
  p.restart("nope");
  await waitFor(() => p.last()?.status === "failed", { what: "the failed notice" });
  expect(p.last()!.message).toBe("restart of nope failed: service nope is not configured");
  const shownAt = Date.now();
  await waitFor(() => p.last() === null, { timeoutMs: 5_000, what: "the failure to clear" });
  expect(Date.now() - shownAt).toBeGreaterThanOrEqual(300);
});
