import { expect, test } from "bun:test";
import { IdleStop } from "../../src/supervisor/idle.ts";
import { FakeClock } from "./fakeClock.ts";

test("an on-demand service stops after idleStopMs without requests, but not while a client holds a stream open", async () => {
  const clock = new FakeClock();
  let streamOpen = true;
  const stops: number[] = [];
  const idle = new IdleStop(clock, 10_000, (quiet) => stops.push(quiet), () => streamOpen);
  idle.touch();
  idle.arm();

  await clock.advance(60_000);
  expect(stops).toEqual([]);

  // The stream closes: the quiet period counts from then.
  streamOpen = false;
  await clock.advance(9_000);
  expect(stops).toEqual([]);
  await clock.advance(12_000);
  expect(stops).toHaveLength(1);
  expect(stops[0]).toBeGreaterThanOrEqual(10_000);
});

test("requests push the idle stop back", async () => {
  const clock = new FakeClock();
  const stops: number[] = [];
  const idle = new IdleStop(clock, 10_000, (quiet) => stops.push(quiet));
  idle.touch();
  idle.arm();
  await clock.advance(8_000);
  idle.touch();
  await clock.advance(8_000);
  expect(stops).toEqual([]);
  await clock.advance(2_000);
  expect(stops).toEqual([10_000]);
});
