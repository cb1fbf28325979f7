/**
 * Every proxied request appends an audit row, and the (user_id, ts) index put each one at
 * a random place: with 10,000 users and a million rows, 26 µs of the daemon's CPU per
 * request against 4 µs without it, and growing with the table. Rows are appended in time
 * order, so the other two indexes grow at their right edge. `mcpd audit --user` now reads
 * newest-first through audit_ts (about 0.2 s per million rows when the user is rare;
 * --since bounds it).
 */
export const m002_audit_without_user_index = `
DROP INDEX audit_user_ts;
`;
