#!/usr/bin/env bash
# Installs the real engines the tests start throwaway copies of: PostgreSQL 15 (Debian's
# `postgresql`) and nginx (`nginx-light`), and `ss` (iproute2), which names a port's holder
# as mcpd's port check does. Does nothing when all are present, so running
# it before every `npm test` costs a few stat calls. The tests never use the packaged
# services: they run initdb/postgres and nginx themselves in temp dirs on free ports.
set -euo pipefail

say() { printf 'engines: %s\n' "$*"; }
die() { printf 'engines: error: %s\n' "$*" >&2; exit 1; }

have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
have_ss() { command -v ss >/dev/null 2>&1 || [ -x /usr/bin/ss ] || [ -x /bin/ss ]; }

missing=()
have_postgres || missing+=(postgresql)
have_nginx || missing+=(nginx-light)
have_ss || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get here; install them with your package manager"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || die "missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}"
  SUDO=(sudo -n)
fi

# The packages' install scripts would start a default PostgreSQL cluster on 5432 and
# nginx on port 80; the tests need neither, and a CI box may already use those ports.
# policy-rc.d answering 101 tells invoke-rc.d not to start services (removed on exit
# when this script made it).
made_policy=0
trap '[ "$made_policy" = 1 ] && "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi

say "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  die "apt-get could not install ${missing[*]} (output above)"
fi
rm -f "$log"
have_postgres || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
have_nginx || die "nginx-light installed but no nginx binary"
say "installed ${missing[*]}"
