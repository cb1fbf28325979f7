export const m001_initial = `
CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  suspended   INTEGER NOT NULL DEFAULT 0
);

-- One sealed credential per (user, service); the plaintext is never stored.
CREATE TABLE credentials (
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  service     TEXT NOT NULL,
  key_id      TEXT NOT NULL,
  nonce       BLOB NOT NULL,
  ciphertext  BLOB NOT NULL,
  fingerprint TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (user_id, service)
);

-- The instance id is a bearer secret, so only its SHA-256 is kept (looked up by hash,
-- which also keeps the lookup's timing independent of how much of a guess matches).
-- ref is a short public name for logs, the audit table and the CLI.
-- Revoked rows stay so an old URL answers 403 rather than looking unknown to its owner.
CREATE TABLE instances (
  id_hash     TEXT PRIMARY KEY,
  ref         TEXT NOT NULL UNIQUE,
  user_id     TEXT NOT NULL,
  service     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE UNIQUE INDEX instances_one_live ON instances(user_id, service) WHERE revoked_at IS NULL;

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,
  user_id     TEXT,
  service     TEXT,
  instance    TEXT,
  method      TEXT,
  tool        TEXT,
  status      INTEGER NOT NULL,
  latency_ms  REAL NOT NULL,
  bytes_in    INTEGER NOT NULL DEFAULT 0,
  bytes_out   INTEGER NOT NULL DEFAULT 0,
  event       TEXT
);
CREATE INDEX audit_ts ON audit(ts);
CREATE INDEX audit_user_ts ON audit(user_id, ts);
CREATE INDEX audit_service_ts ON audit(service, ts);
`;
