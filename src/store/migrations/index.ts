import type Database from "better-sqlite3";
import { m001_initial } from "./001_initial.ts";
import { m002_audit_without_user_index } from "./002_audit_without_user_index.ts";
import { m003_instance_tool_policy } from "./003_instance_tool_policy.ts";

/** Applied in order; `PRAGMA user_version` records how many have run. Never edit a shipped one. */
const MIGRATIONS: readonly string[] = [m001_initial, m002_audit_without_user_index, m003_instance_tool_policy];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const run = db.transaction(() => {
    const at = db.pragma("user_version", { simple: true }) as number;
    if (at > MIGRATIONS.length) {
      throw new Error(`database schema version ${at} is newer than this mcpd understands (${MIGRATIONS.length}); upgrade mcpd`);
    }
    for (let v = at; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  run.immediate();
}
