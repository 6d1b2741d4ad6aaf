#!/usr/bin/env bash
# make bench-search: generate the same synthetic manual in a throwaway PostgreSQL database
# and a throwaway SQLite file, then time search against a naive icontains scan on each.
# Everything it creates is removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-.venv/bin/python}
PROCEDURES=${BENCH_PROCEDURES:-10000}
REVISIONS=${BENCH_REVISIONS:-10}
SEED=${BENCH_SEED:-1}
QUERIES=${BENCH_QUERIES:-200}
PGHOST=${BENCH_PGHOST:-127.0.0.1}
PGPORT=${BENCH_PGPORT:-5432}
PGUSER=${BENCH_PGUSER:-postgres}

db="sop_bench_$$"
dir="$(mktemp -d)"
cleanup() {
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -qc "DROP DATABASE IF EXISTS ${db}" postgres \
    >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

if ! pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null; then
  echo "PostgreSQL not answering on $PGHOST:$PGPORT: starting the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 1; done
fi
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -qc "CREATE DATABASE ${db}" postgres

run() {
  local label=$1 url=$2
  echo "== ${label}: ${PROCEDURES} procedures x ${REVISIONS} revisions (seed ${SEED})"
  # generate_corpus and bench_search live in devtools/, installed only with SOP_DEVTOOLS=1.
  export DATABASE_URL=$url SOP_VAR_DIR=$dir SOP_DEVTOOLS=1
  "$PY" manage.py migrate --noinput -v0
  local started=$SECONDS
  "$PY" manage.py generate_corpus --procedures "$PROCEDURES" --revisions "$REVISIONS" \
    --seed "$SEED" -v0
  echo "generated in $((SECONDS - started)) s"
  # What autovacuum / a DBA would have done on a live database by now.
  if [[ $url == postgres* ]]; then
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -qc "VACUUM ANALYZE" "$db"
  else
    "$PY" manage.py dbshell <<<"ANALYZE;" >/dev/null
  fi
  "$PY" manage.py bench_search --queries "$QUERIES" --seed "$SEED" --show-slowest 5
}

run PostgreSQL "postgres://${PGUSER}@${PGHOST}:${PGPORT}/${db}"
run SQLite "sqlite:///${dir}/bench.sqlite3"
