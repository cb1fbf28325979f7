import { expect, test } from "bun:test";
import { bindOffPorts, OFF_PORT_TRIES } from "../../src/proxy/offPorts.ts";

/** Stands in for Bun.serve on port 0: hands out the given ports in turn, and records which are let go. */
function kernel(picks: number[]) {
  const released: number[] = [];
  let i = 0;
  return { bind: () => ({ port: picks[i++]! }), release: (l: { port: number }) => void released.push(l.port), released };
}

test("a kernel pick that is a service's port is held until a free one comes, then let go", () => {
  const k = kernel([49200, 49161, 52000]);
  const got = bindOffPorts(k.bind, new Set([49160, 49161, 49200]), k.release);
  expect(got.port).toBe(52000);
  expect(k.released).toEqual([49200, 49161]);
});

test("a first pick off the services' ports is kept as it is", () => {
  const k = kernel([40001]);
  expect(bindOffPorts(k.bind, new Set([49160]), k.release).port).toBe(40001);
  expect(k.released).toEqual([]);
});

test("after every try lands on a service's port, the error says what it was for and nothing stays bound", () => {
  const k = kernel(Array.from({ length: OFF_PORT_TRIES }, (_, i) => 49160 + i));
  expect(() => bindOffPorts(k.bind, new Set(Array.from({ length: 100 }, (_, i) => 49160 + i)), k.release)).toThrow("mcpd's internal listener");
  expect(k.released).toHaveLength(OFF_PORT_TRIES);
});

test("with real listeners: the port avoided is never the one kept, and the held one is closed", () => {
  const first = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  let calls = 0;
  // The first bind returns a listener already open, on the port to avoid; the next ones are real picks.
  const bind = () => (calls++ === 0 ? first : Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
  const kept = bindOffPorts(bind, new Set([first.port]), (l) => l.stop(true));
  try {
    expect(kept.port).not.toBe(first.port);
    // The avoided port is free again: a service can bind it now.
    const service = Bun.listen({ hostname: "127.0.0.1", port: first.port, socket: { data() {} } });
    service.stop(true);
  } finally {
    kept.stop(true);
  }
});
