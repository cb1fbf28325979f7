import { expect, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";

test("start refuses an --allow-origin that is not an origin, saying what one looks like, before starting anything", async () => {
  const r = await runCli(["start", "--port", "0", "--allow-origin", "evil.example/path"]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("--allow-origin: evil.example/path is not an origin like https://app.example.com or *");
  expect(r.stdout).toBe("");
});
