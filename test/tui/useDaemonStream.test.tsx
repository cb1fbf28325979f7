import { afterEach, describe, expect, test } from "bun:test";
import { Text } from "ink";
import { cleanup, render } from "ink-testing-library";
import { retryDelayMs, useDaemonStream, type DaemonStream } from "../../src/tui/hooks/useDaemonStream.ts";
import { waitFor } from "../helpers/net.ts";
import { daemonStatus, FakeControlClient, service } from "./fakes.ts";

afterEach(cleanup);

/** Renders nothing useful; hands each stream value to the test. */
function probe(client: FakeControlClient, opts = { baseMs: 10, capMs: 40 }) {
  const seen: DaemonStream[] = [];
  function Probe() {
    const s = useDaemonStream(client, opts);
    seen.push(s);
    return <Text>{s.connected ? "up" : "down"}</Text>;
  }
  const r = render(<Probe />);
  return { r, seen, last: () => seen.at(-1)! };
}

describe("useDaemonStream", () => {
  test("backoff doubles from the base to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelayMs(n, 250, 5000))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  test("keeps the last status and every state change", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const { last } = probe(client);
    await waitFor(() => last().connected, { what: "the first status" });
    expect(last().status?.services.map((s) => s.name)).toEqual(["demo"]);
    client.change({ ts: 1, service: "demo", from: "healthy", to: "restarting", reason: "restart requested" });
    client.push(daemonStatus([service("demo", { state: "restarting" })]));
    await waitFor(() => last().status?.services[0]?.state === "restarting", { what: "the pushed status" });
    expect(last().changes.map((c) => c.reason)).toEqual(["restart requested"]);
    expect(last().error).toBeNull();
  });

  test("a failed feed is retried with growing delays, and a success resets them", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    client.refuse = new Error("connect ECONNREFUSED");
    const { last, seen } = probe(client);
    await waitFor(() => last().attempt >= 4, { what: "four failed attempts" });
    expect(last()).toMatchObject({ connected: false, status: null, error: "connect ECONNREFUSED" });
    const attempts = [...new Set(seen.map((s) => s.attempt))];
    expect(attempts.slice(0, 4)).toEqual([0, 1, 2, 3]);
    client.refuse = null;
    await waitFor(() => last().connected, { what: "the reconnect" });
    expect(last()).toMatchObject({ attempt: 0, error: null, retryAt: null });
  });

  test("a feed that dies keeps the last status while it reconnects", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const { last, seen } = probe(client);
    await waitFor(() => last().connected, { what: "the first status" });
    const calls = client.subscribeCalls;
    const before = seen.length;
    client.breakFeed(new Error("connection closed"));
    // The reconnect may beat a poll, so look through every value the hook produced.
    const dropped = await waitFor(() => seen.slice(before).find((s) => !s.connected), { what: "the drop" });
    expect(dropped.status?.services[0]?.name).toBe("demo");
    expect(dropped.error).toBe("connection closed");
    await waitFor(() => last().connected && client.subscribeCalls === calls + 1, { what: "one resubscription" });
  });

  test("a subscribe that throws is a failed attempt, not a crash", async () => {
    const client = new FakeControlClient();
    let calls = 0;
    client.subscribe = () => {
      calls++;
      throw new Error("socket path too long");
    };
    const { last } = probe(client);
    await waitFor(() => calls >= 2, { what: "a retry after the throw" });
    expect(last().error).toBe("socket path too long");
  });

  test("unmounting ends the subscription and stops retrying", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const { r, last } = probe(client);
    await waitFor(() => last().connected, { what: "the first status" });
    r.unmount();
    expect(client.subscribers.size).toBe(0);
    client.refuse = new Error("gone");
    const calls = client.subscribeCalls;
    await Bun.sleep(100); // nothing to wait *for*: proving retries stay stopped needs time to pass
    expect(client.subscribeCalls).toBe(calls);
  });
});
