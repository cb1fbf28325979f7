import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import type { ControlClient } from "../control/types.ts";
import { runTui } from "../tui/run.tsx";
import { McpdError } from "../util/errors.ts";
import { pathsOf } from "./output.ts";

export function registerTui(program: Command): void {
  program
    .command("tui")
    .description("live health view of the running daemon (needs a terminal; `mcpd status` for scripts)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { controlSocket, dataDir } = pathsOf(cmd);
      await tui(connectControl(controlSocket), { socket: controlSocket, dataDir });
    });
}

interface TuiTarget {
  socket: string;
  dataDir: string;
}

/**
 * On a terminal: the health view, which waits and retries while the daemon is not
 * up. Anywhere else there is no one to press keys, so one line and a non-zero exit,
 * saying whether a daemon is even there.
 */
export async function tui(client: ControlClient, target: TuiTarget, io = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    const running = await client.status().then(
      () => true,
      () => false,
    );
    throw new McpdError(
      "NOT_A_TTY",
      running ? "mcpd tui needs a terminal; use `mcpd status` (or `mcpd status --json`) in scripts" : `no mcpd daemon is answering on ${target.socket}; start one with \`mcpd start --data ${target.dataDir}\``,
    );
  }
  await runTui(client, { stdin: io.stdin, stdout: io.stdout, hint: `start it with: mcpd start --data ${target.dataDir}` });
}
