import { expect, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";

test("start refuses an --allow-origin that is not an origin, saying what one looks like, before starting anything", async () => {
  const r = await runCli(["start", "--port", "0", "--allow-origin", "evil.example/path"]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("--allow-origin: evil.example/path is not an origin like https://app.example.com or *");
  expect(r.stdout).toBe("");
});

test("start refuses --audit-days (or MCPD_AUDIT_DAYS) that is not a whole number of days, naming where it came from", async () => {
  const flag = await runCli(["start", "--port", "0", "--audit-days", "ten"]);
  expect(flag.code).not.toBe(0);
  expect(flag.stderr.trim()).toBe("mcpd: --audit-days ten: give a whole number of days to keep audit rows, or 0 to keep them all");
  const env = await runCli(["start", "--port", "0"], { env: { MCPD_AUDIT_DAYS: "-1" } });
  expect(env.code).not.toBe(0);
  expect(env.stderr.trim()).toBe("mcpd: MCPD_AUDIT_DAYS -1: give a whole number of days to keep audit rows, or 0 to keep them all");
});

test("start refuses a --port-offset (or MCPD_PORT_OFFSET) that is not a whole number, naming where it came from", async () => {
  const flag = await runCli(["start", "--port", "0", "--port-offset", "-5"]);
  expect(flag.code).not.toBe(0);
  expect(flag.stderr.trim()).toBe("mcpd: --port-offset -5: give a whole number (0-64511) to add to every service's port");
  const env = await runCli(["start", "--port", "0"], { env: { MCPD_PORT_OFFSET: "lots" } });
  expect(env.code).not.toBe(0);
  expect(env.stderr.trim()).toBe("mcpd: MCPD_PORT_OFFSET lots: give a whole number (0-64511) to add to every service's port");
});
