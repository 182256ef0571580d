#!/usr/bin/env bash
# Collection benchmark (issue 4): a sandbox tenant of USERS users under a configured limit of RPS
# requests/second must be collected in at most 1.2x the bound (requests / RPS), and two such apps
# together in about the time of the slower one alone, not the sum.
#
#   scripts/bench-collect.sh [USERS] [RPS]      (defaults: 100000 users, 50 requests/second)
#
# Uses the release build and the sandbox in its own process on 127.0.0.1. App A reads the guide's
# MessageBird API (offset/limit with totals: pages fetched concurrently), app B the Bird API
# (page tokens: one page after the other).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
rps=${2:-50}
dir=${BENCH_DIR:-target/bench}/collect-$users
cargo build --release --quiet --bin access-audit
bin=$PWD/target/release/access-audit
rm -rf "$dir" && mkdir -p "$dir/tenants"
python3 - "$dir/tenants" "$users" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
users = [{"id": "u%07d" % i, "email": "user%d@acme.com" % i, "firstName": "User", "lastName": str(i),
          "role": "admin" if i % 500 == 0 else "member", "status": "invited" if i % 40 == 7 else "active",
          "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z"} for i in range(n)]
for name in ("bench-a", "bench-b"):
    with open("%s/%s.json" % (out, name), "w") as f:
        json.dump({"kind": "messagebird", "secret": "bench-key", "organization_id": "org-bench", "users": users}, f)
PY
echo bench-key > "$dir/key"
echo "email,name" > "$dir/hr.csv"
echo "user1@acme.com,User 1" >> "$dir/hr.csv"

"$bin" sandbox --listen 127.0.0.1:0 --tenants "$dir/tenants" > "$dir/sandbox.out" 2>/dev/null &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "^sandbox on" "$dir/sandbox.out" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$dir/sandbox.out" | grep -o 'http://[0-9.:]*')

app() { # name flavor tenant
  cat <<EOF
[[apps]]
name = "$1"
kind = "messagebird"
flavor = "$2"
organization_id = "org-bench"
base_url = "$url/$2/$3"
auth = { type = "access_key", key = { file = "key" } }
requests_per_second = $rps
concurrency = 8
page_size = 100
EOF
}
{ printf '[identity]\npath = "hr.csv"\n'; app a messagebird bench-a; } > "$dir/one-a.toml"
{ printf '[identity]\npath = "hr.csv"\n'; app b bird bench-b; } > "$dir/one-b.toml"
{ printf '[identity]\npath = "hr.csv"\n'; app a messagebird bench-a; app b bird bench-b; } > "$dir/both.toml"

run() { # label config -> prints seconds
  local start end
  start=$(date +%s.%N)
  "$bin" -q collect --config "$dir/$2" --out "$dir/snap-$1" > "$dir/$1.out"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
pages=$(( users / 100 + 1 ))          # full pages, then the page that ends the list
bound=$(calc "$pages / $rps")
a=$(run a one-a.toml)
b=$(run b one-b.toml)
both=$(run both both.toml)
printf 'users %s per app, limit %s requests/s, %s requests per app: bound %s s\n' "$users" "$rps" "$pages" "$bound"
printf 'app a (offset/limit, concurrent pages)  %6.2f s  = %.2fx the bound\n' "$a" "$(calc "$a / $bound")"
printf 'app b (page tokens, sequential)         %6.2f s  = %.2fx the bound\n' "$b" "$(calc "$b / $bound")"
printf 'a and b together                        %6.2f s  (sum alone %.2f s)\n' "$both" "$(calc "$a + $b")"
cat "$dir/both.out"
