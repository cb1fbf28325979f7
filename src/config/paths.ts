import { resolve, join } from "node:path";

/** Where one mcpd keeps its state and finds its services. */
export interface Paths {
  dataDir: string;
  portsDir: string;
  dbFile: string;
  keyFile: string;
  logsDir: string;
  pidFile: string;
  controlSocket: string;
  /** what `mcpd start --public-url` keeps: where printed instance URLs begin */
  publicUrlFile: string;
}

export interface PathOptions {
  data?: string;
  ports?: string;
}

/**
 * `--data`/`MCPD_DATA` and `--ports`/`MCPD_PORTS` win; the defaults are `./data` and
 * `./mcp-ports` relative to the working directory, so the compiled binary never looks
 * inside the source tree it was built from.
 */
export function resolvePaths(opts: PathOptions = {}, env: NodeJS.ProcessEnv = process.env): Paths {
  const dataDir = resolve(opts.data ?? env.MCPD_DATA ?? "data");
  const portsDir = resolve(opts.ports ?? env.MCPD_PORTS ?? "mcp-ports");
  return {
    dataDir,
    portsDir,
    dbFile: join(dataDir, "mcpd.db"),
    keyFile: join(dataDir, "master.key"),
    logsDir: join(dataDir, "logs"),
    pidFile: join(dataDir, "mcpd.pid"),
    controlSocket: join(dataDir, "mcpd.sock"),
    publicUrlFile: join(dataDir, "public-url"),
  };
}
