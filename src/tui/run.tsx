import { render } from "ink";
import type { ControlClient } from "../control/types.ts";
import { App } from "./App.tsx";
import type { StreamOptions } from "./hooks/useDaemonStream.ts";
import type { TerminalSize } from "./hooks/useTerminalSize.ts";

export interface RunTuiOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** draw on the terminal's alternate screen and restore the shell's screen on exit (default: true) */
  alternateScreen?: boolean;
  size?: TerminalSize;
  stream?: StreamOptions;
  /** what to tell the user while no daemon answers, e.g. how to start one */
  hint?: string;
  /** `q` stops the daemon too (`mcpd start --tui`): it asks first */
  quitStopsDaemon?: boolean;
  /** the view closes when this settles (the in-process daemon stopped on a signal or `mcpd stop`) */
  until?: Promise<unknown>;
}

/**
 * Runs the health view on a terminal until the user quits (`q`). Used by `mcpd tui`
 * (with a socket client) and `mcpd start --tui` (with the daemon's in-process client);
 * the caller owns the client and closes whatever it holds afterwards.
 */
export async function runTui(client: ControlClient, opts: RunTuiOptions = {}): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const app = render(<App client={client} size={opts.size} stream={opts.stream} hint={opts.hint} quitStopsDaemon={opts.quitStopsDaemon} />, {
    stdin: opts.stdin ?? process.stdin,
    stdout,
    stderr: opts.stderr ?? process.stderr,
    alternateScreen: opts.alternateScreen ?? true,
    // Ink draws nothing until exit when CI=1 is set; someone who asked for the view on a terminal gets it anyway.
    interactive: Boolean(stdout.isTTY),
    // Only changed lines are rewritten each second: no flicker on a 300-row fleet.
    incrementalRendering: true,
    exitOnCtrlC: true,
    patchConsole: true,
  });
  void opts.until?.finally(() => app.unmount());
  await app.waitUntilExit();
}
