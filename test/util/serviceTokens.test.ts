import { expect, test } from "bun:test";
import { serviceTokens } from "../../src/util/serviceTokens.ts";

test("each service gets its own token, the same one all boot long; another boot gets new ones", () => {
  const boot = serviceTokens();
  const demo = boot("demo");
  expect(demo).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(boot("demo")).toBe(demo);
  expect(boot("github")).not.toBe(demo);
  expect(serviceTokens()("demo")).not.toBe(demo);
});
