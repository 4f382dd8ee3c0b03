#!/usr/bin/env bash
# A PostgreSQL server on loopback for the test suite, from Debian's package, set up idempotently.
# Prints the DATABASE_URL to use. Needs root to install or start it (as CI and these machines have).
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is missing: install it with 'sudo apt-get install postgresql'." >&2; exit 1; fi
  echo "Installing Debian's postgresql for the PostgreSQL test run…" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != online ]; then pg_ctlcluster "$version" "$cluster" start >&2; fi
as_postgres() { su postgres -c "$1"; }
as_postgres "psql -qp $port -c \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'newsapp') THEN CREATE ROLE newsapp LOGIN SUPERUSER PASSWORD 'newsapp'; END IF; END\\\$\\\$;\"" >&2
if ! as_postgres "psql -qtAp $port -c \"SELECT 1 FROM pg_database WHERE datname = 'newsapp'\"" | grep -q 1; then
  as_postgres "createdb -p $port -O newsapp newsapp" >&2
fi
echo "postgres://newsapp:newsapp@127.0.0.1:$port/newsapp"
