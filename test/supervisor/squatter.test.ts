// A process of another user on a service's port: it gets no token byte, status names it,
// and the service comes back by itself once the port is free.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { createSupervisor, type Supervisor } from "../../src/supervisor/index.ts";
import { checkPort } from "../../src/supervisor/ports.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { writeTestPorts, type TestServiceSpec } from "./services.ts";

const TOKEN = "squatter-must-never-see-this-token";
let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

/**
 * Listens on 127.0.0.1:port as another user (nobody, when the tests run as root, as in CI),
 * answers every request 200 and reports on stdout, JSON-quoted, what it received.
 */
async function squat(port: number): Promise<{ proc: Subprocess; received: () => string }> {
  const script = `
const net = require("node:net");
net.createServer((c) => c.on("data", (d) => {
  process.stdout.write(JSON.stringify(d.toString("latin1")) + "\\n");
  c.end("HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\nconnection: close\\r\\n\\r\\nok");
})).listen(${port}, "127.0.0.1", () => process.stdout.write("listening\\n"));
`;
  const asOther = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  const proc = Bun.spawn([...asOther, process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", cwd: "/" });
  cleanups.push(() => void proc.kill("SIGKILL"));
  let out = "";
  void (async () => {
    const reader = proc.stdout.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += new TextDecoder().decode(r.value);
  })();
  await waitFor(() => out.includes("listening"), { what: "the squatter to listen" });
  return {
    proc,
    received: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith('"'))
        .map((l) => JSON.parse(l) as string)
        .join(""),
  };
}

function supervise(specs: TestServiceSpec[], extra: Partial<Parameters<typeof createSupervisor>[0]> = {}) {
  const tmp = tempDir("mcpd-squat");
  const registry = writeTestPorts(join(tmp.dir, "ports"), specs);
  const sup: Supervisor = createSupervisor({ registry, tokenFor: () => TOKEN, logsDir: join(tmp.dir, "logs"), stopGraceMs: 1_000, ...extra });
  cleanups.push(async () => {
    await sup.stopAll("test over");
    tmp.cleanup();
  });
  return { sup, dir: tmp.dir };
}

test("a squatter that binds the port between mcpd's port check and the child's bind gets no token and is never taken for healthy", async () => {
  const port = await freePort();
  let squatter: Awaited<ReturnType<typeof squat>> | null = null;
  // The child never listens: only the squatter answers on the port, 200 to anything.
  const { sup } = supervise([{ name: "alpha", port, args: ["--no-listen"] }], {
    checkPort: async (p) => {
      const r = await checkPort(p);
      squatter ??= await squat(p);
      return r;
    },
  });
  sup.startAll();
  await waitFor(() => sup.snapshot("alpha").lastError?.includes("held by"), { what: "the supervisor to see the squatter", timeoutMs: 10_000 });
  expect(sup.snapshot("alpha").lastError).toMatch(new RegExp(`^port ${port} is held by \\S+ \\(pid \\d+\\) \\(uid \\d+\\), not by mcpd's child \\(pid \\d+\\); nothing was sent to it$`));
  expect(sup.state("alpha")).toBe("starting");
  const received = squatter!.received();
  expect(received).not.toContain(TOKEN);
  expect(received).toBe("");
});

test("a port held at launch: status names the holder, and the service is healthy again soon after it leaves", async () => {
  const port = await freePort();
  const { proc: squatter } = await squat(port);
  const { sup } = supervise([{ name: "alpha", port }], { portRetryDelaysMs: [50, 50], portRecheckMs: 300 });
  sup.startAll();
  await waitFor(() => sup.state("alpha") === "failed", { what: "alpha to fail on the taken port" });
  expect(sup.snapshot("alpha").lastError).toContain(`port ${port} is already in use`);
  squatter.kill("SIGKILL");
  await squatter.exited;
  // No restart asked for: the supervisor checks the port again by itself.
  await waitFor(() => sup.state("alpha") === "healthy", { what: "alpha healthy once the port is free", timeoutMs: 10_000 });
});
