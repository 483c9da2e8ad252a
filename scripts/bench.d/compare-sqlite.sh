#!/usr/bin/env bash
# Two builds side by side on SQLite (issue 22: a change that must be no
# slower), alternating: getUser with wrk (32 connections, 5 s, twice each) on a
# one-user store, then the console's users page (limit 50: the first page, a
# prefix search, a deep page; limit 500) on a store of the seed's users with
# 200,000 subscriptions and 200,000 open sessions, best of 10 curl requests.
#   scripts/bench.d/compare-sqlite.sh OLD_BINARY NEW_BINARY SEED_JSONL
# SEED_JSONL: scripts/bench's seed file shape (bench<N>, ids 6955b900<N in hex>);
# a release build of each commit (scripts/build DIR -DCMAKE_BUILD_TYPE=Release).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/bench.d/users_page.sh"
BASE=$1; HEAD=$2; SEED=$3
TOKEN=console-token-for-bench-0123456789abcdef
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
start() { # start BIN DATA -> sets PID, URL
  USERSVC_CONSOLE_TOKEN=$TOKEN "$1" serve --data-dir "$2" --port 0 --bcrypt-cost 4 --no-access-log --insecure-cookies > "$2.out" 2> "$2.err" &
  PID=$!
  for _ in $(seq 3000); do grep -q "^listening on " "$2.out" 2>/dev/null && break; sleep 0.01; done
  URL=$(sed -n 's/^listening on //p' "$2.out")
}
stop() { kill $PID; wait $PID 2>/dev/null || true; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$PID/stat; }
getuser() { # getuser BIN LABEL
  local d="$work/small-$2"; rm -rf "$d"; mkdir -p "$d"
  start "$1" "$d"
  curl -s -o /dev/null -X POST "$URL/api/v1/users/register" -H 'Content-Type: application/json' -d '{"username":"bench","email":"bench@x.io","password":"password123"}'
  local tok; tok=$(curl -s -X POST "$URL/api/v1/users/login" -H 'Content-Type: application/json' -d '{"username":"bench","password":"password123"}' | jq -r .data.accessToken)
  wrk -t2 -c32 -d2s -H "Authorization: Bearer $tok" "$URL/api/v1/users/getUser" >/dev/null
  local c0; c0=$(cpu_ticks)
  local rps; rps=$(wrk -t2 -c32 -d5s -H "Authorization: Bearer $tok" "$URL/api/v1/users/getUser" | awk '/Requests\/sec/ {print $2}')
  local c1; c1=$(cpu_ticks)
  local cpu; cpu=$(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)
  printf "%-5s getUser %10.0f req/s  %8.0f req per server CPU-second\n" "$2" "$rps" "$(echo "$rps * 5 / $cpu" | bc -l)"
  stop
}
page() { # page BIN LABEL DATA
  start "$1" "$3"
  time_users_pages "$URL" "$TOKEN" "$2"
  stop
}
for round in 1 2; do
  getuser "$BASE" base; getuser "$HEAD" head
done
big="$work/big"; mkdir -p "$big"
"$HEAD" import "$SEED" --data-dir "$big" -q >/dev/null
# 200,000 subscriptions: 10 for each user of the first page and of the deep
# page, the rest spread over the store.
sqlite3 "$big/usersvc.db" "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 199999)
  INSERT INTO subscriptions (subscriber_id, channel_id, created_at, id)
  SELECT printf('6955b900%016x', CASE WHEN n < 1000 THEN 900000 + n ELSE 100000 + n END),
         printf('6955b900%016x', CASE WHEN n >= 1000 THEN 1000 + (n * 7919) % 900000
                                      WHEN n % 100 < 50 THEN n % 50 ELSE 500001 + n % 50 END),
         1767225600000, printf('69555b00%016x', n) FROM k;"
sqlite3 "$big/usersvc.db" "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 199999)
  INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at)
  SELECT 's' || n, printf('6955b900%016x', CASE WHEN n < 100000 THEN n ELSE 400000 + n END), 'h' || n,
         1767225600000, 1767225600000, 4102444800000 FROM k;"
sqlite3 "$big/usersvc.db" "PRAGMA foreign_key_check" | head -3; sqlite3 "$big/usersvc.db" "SELECT (SELECT count(*) FROM subscriptions), (SELECT count(*) FROM users)"
page "$BASE" base "$big"; page "$HEAD" head "$big"
page "$BASE" base "$big"; page "$HEAD" head "$big"
