# Sourced by compare-sqlite.sh and compare-postgres.sh: the console's users
# page timed the same way for both stores.
DEEP_AFTER=6955b900000000000007a120 # user 500,000 of scripts/bench's seed

# time_users_pages URL TOKEN LABEL: the first page, a prefix search, a deep
# page and a page of 500, best of 10 curl requests each after one to warm;
# then, as a check, each page's [users, subscribers, open sessions].
time_users_pages() {
  local url=$1 token=$2 label=$3 q t best
  for q in "limit=50" "limit=50&search=bench99" "limit=50&after=$DEEP_AFTER" "limit=500"; do
    curl -s -o /dev/null -H "Authorization: Bearer $token" "$url/api/v1/admin/users?$q"
    best=999
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$url/api/v1/admin/users?$q")
      best=$(echo "if ($t < $best) $t else $best" | bc -l)
    done
    printf "%-5s users page %-40s best of 10: %8.2f ms\n" "$label" "$q" "$(echo "$best * 1000" | bc -l)"
  done
  for q in "limit=50" "limit=50&after=$DEEP_AFTER"; do
    curl -s -H "Authorization: Bearer $token" "$url/api/v1/admin/users?$q" |
      jq -c '[.data.users | length, (map(.subscribersCount // .subscribers) | add), (map(.openSessions) | add)]'
  done
}
