#!/usr/bin/env bash
# Sets up mcpd from a clone: dependencies, a bun to build with, and the single
# executable at dist/mcpd. Safe to run again; it redoes only what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

if command -v npm >/dev/null 2>&1; then
  # The lock file pins every package, bun itself included (a devDependency), so a
  # machine with only node and npm gets the same bun as everyone else.
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing dependencies with npm"
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "dependencies are up to date"
  fi
elif command -v bun >/dev/null 2>&1; then
  say "npm not found; installing dependencies with bun"
  bun install
else
  die "neither npm nor bun is installed; install Node.js (which brings npm) and run ./install.sh again"
fi

BUN="$PWD/node_modules/.bin/bun"
[ -x "$BUN" ] || BUN="$(command -v bun || true)"
[ -n "$BUN" ] && [ -x "$BUN" ] || die "no bun after installing dependencies (expected node_modules/.bin/bun)"
say "using bun $("$BUN" --version) at $BUN"

# The example stdio service ships its own dependencies.
for dir in mcp-ports/*/; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    say "installing dependencies of $dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done

mkdir -p dist
# Precompiled bytecode: each service child starts in about half the CPU.
"$BUN" build --compile --minify-syntax --bytecode --format=esm src/cli/main.ts --outfile dist/mcpd >/dev/null
say "built $(pwd)/dist/mcpd ($(./dist/mcpd --version))"
say "next: ./dist/mcpd start     (or: ./dist/mcpd user add --service demo)"
