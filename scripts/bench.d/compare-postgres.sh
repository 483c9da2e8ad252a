#!/usr/bin/env bash
# The console's users page of two builds on PostgreSQL (a throwaway cluster,
# tests/support/postgres-cluster), alternating, at the seed's size with
# 200,000 subscriptions and 200,000 open sessions; best of 10 curl requests.
#   scripts/bench.d/compare-postgres.sh OLD_BINARY NEW_BINARY SEED_JSONL
# (see compare-sqlite.sh for the seed and the builds).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/bench.d/users_page.sh"
BASE=$1; HEAD=$2; SEED=$3
TOKEN=console-token-for-bench-0123456789abcdef
work=$(mktemp -d); chmod 755 "$work"
cleanup() { kill $(jobs -p) 2>/dev/null; "$root/tests/support/postgres-cluster" stop "$work/pg.url" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
USERSVC_PG_DURABLE=1 "$root/tests/support/postgres-cluster" start "$work/pg.url" 2>/dev/null
pg_admin=$(cat "$work/pg.url")
psql "$pg_admin" -qc 'CREATE DATABASE bench'
pg_db=${pg_admin/\/postgres\?/\/bench\?}
export USERSVC_JWT_SECRET=bench-secret-shared-by-both-instances-0123456789
t0=$(date +%s)
"$HEAD" --database "$pg_db" import "$SEED" -q >/dev/null
echo "import: $(( $(date +%s) - t0 )) s, users: $(psql "$pg_db" -tAc 'SELECT count(*) FROM users')"
# 200,000 subscriptions: 10 for each user of the first page and of the deep
# page, the rest spread over the store.
psql "$pg_db" -qc "INSERT INTO subscriptions (subscriber_id, channel_id, created_at, id)
  SELECT format('6955b900%s', lpad(to_hex(CASE WHEN n < 1000 THEN 900000 + n ELSE 100000 + n END), 16, '0')),
         format('6955b900%s', lpad(to_hex(CASE WHEN n >= 1000 THEN 1000 + (n * 7919) % 900000
                                               WHEN n % 100 < 50 THEN n % 50 ELSE 500001 + n % 50 END), 16, '0')),
         1767225600000, format('69555b00%s', lpad(to_hex(n), 16, '0')) FROM generate_series(0, 199999) n"
# What autovacuum does within a minute of such an insert, done at once.
# 200,000 open sessions: one for each of the first 100,000 users and for
# users 500,000-599,999 (the deep page's among them).
psql "$pg_db" -qc "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at)
  SELECT 's' || n, format('6955b900%s', lpad(to_hex(CASE WHEN n < 100000 THEN n ELSE 400000 + n END), 16, '0')),
         'h' || n, 1767225600000, 1767225600000, 4102444800000 FROM generate_series(0, 199999) n"
psql "$pg_db" -qc "VACUUM ANALYZE"
start() { # start BIN NAME
  mkdir -p "$work/$2"
  USERSVC_CONSOLE_TOKEN=$TOKEN "$1" serve --data-dir "$work/$2" --database "$pg_db" --port 0 --no-access-log --insecure-cookies > "$work/$2.out" 2> "$work/$2.err" &
  PID=$!
  for _ in $(seq 3000); do grep -q "^listening on " "$work/$2.out" 2>/dev/null && break; sleep 0.01; done
  URL=$(sed -n 's/^listening on //p' "$work/$2.out")
  [ -n "$URL" ] || { cat "$work/$2.err"; exit 1; }
}
page() { # page BIN LABEL
  start "$1" "$2"
  time_users_pages "$URL" "$TOKEN" "$2 pg"
  kill $PID; wait $PID 2>/dev/null || true
}
page "$BASE" base; page "$HEAD" head; page "$BASE" base; page "$HEAD" head
