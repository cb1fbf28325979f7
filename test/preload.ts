// Runs before every test file (bunfig.toml [test] preload): no test may touch a real
// user's data dir or reach a real API with a real key.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

for (const name of Object.keys(process.env)) {
  if (/^(FIGMA|GITHUB|SLACK)_|_TOKEN$|_API_KEY$/.test(name)) delete process.env[name];
}
for (const name of ["MCPD_DATA", "MCPD_PORTS", "MCPD_MASTER_KEY"]) delete process.env[name];

// A default data dir per test process, so a forgotten --data never writes into ./data.
process.env.MCPD_DATA = mkdtempSync(join(tmpdir(), "mcpd-test-data-"));
