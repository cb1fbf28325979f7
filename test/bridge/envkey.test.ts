import { expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { parseServiceFile } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { closeAfterEach, connect, connectLegacy, fingerprintOf, startFront } from "./harness.ts";

closeAfterEach();

// The example that ships in mcp-ports/: loaded from its real config.json, run as configured.
const DIR = join(import.meta.dir, "..", "..", "mcp-ports", "envkey");

function envkey(): Service {
  const svc = parseServiceFile(join(DIR, "config.json"), DIR);
  if (Array.isArray(svc)) throw new Error(svc.join("\n"));
  return svc;
}

const whoami = async (c: Client) =>
  ((await c.callTool({ name: "whoami", arguments: {} })) as unknown as { structuredContent: { fingerprint: string; pid: number } }).structuredContent;

test("mcp-ports/envkey is a valid per-user stdio service", () => {
  const svc = envkey();
  expect(svc.transport).toBe("stdio");
  expect(svc.mode).toBe("per-user");
  expect(svc.credential?.env).toEqual({ ENVKEY_TOKEN: "{secret}" });
  expect(svc.run).toMatchObject({ command: ["node", "server.mjs"] });
});

test("envkey shows each user the fingerprint of their own key, over both transports", async () => {
  const front = startFront(envkey());
  const alice = await connect(front.addInstance("env_alice_1", "alice", "alice-token"));
  const bob = await connectLegacy(front.addInstance("env_bob_1", "bob", "bob-token").replace(/\/mcp$/, "/sse"));
  expect(alice.getServerVersion()?.name).toBe("envkey");
  const a = await whoami(alice);
  const b = await whoami(bob);
  expect(a.fingerprint).toBe(fingerprintOf("alice-token"));
  expect(b.fingerprint).toBe(fingerprintOf("bob-token"));
  expect(a.pid).not.toBe(b.pid);
});
