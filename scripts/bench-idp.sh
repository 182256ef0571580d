#!/usr/bin/env bash
# Identity-provider collection benchmark (issue 27): an Okta org of USERS users, APPS SSO apps
# assigned through GROUPS groups, every endpoint limited to LIMIT requests a minute (Okta's
# per-endpoint buckets, announced by X-Rate-Limit-Remaining/-Reset), collected by `collect`.
# The bound is requests / allowed rate, phase by phase: the lists that need nothing first (the
# busiest of users, apps, groups, administrators, API tokens), then the per-item lists (the
# busiest of factors, roles, group members, app users, app groups), each bucket at its own limit.
# Target: collection at most 1.05x the bound, peak memory at most 1 GB.
#
#   scripts/bench-idp.sh [USERS] [APPS] [GROUPS] [LIMIT]   (defaults: 100000 200 2000 12000)
#
# Uses the release build and the sandbox in its own process on 127.0.0.1; prints the requests per
# bucket, the bound, the time and the peak RSS (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
apps=${2:-200}
groups=${3:-2000}
limit=${4:-12000}
dir=${BENCH_DIR:-target/bench}/idp-$users
cargo build --release --quiet --bin access-audit
bin=$PWD/target/release/access-audit
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
rm -rf "$dir" && mkdir -p "$dir/tenants"
# The org of crates/sandbox/src/okta.rs synthetic_tenant: every 25th user an admin, every 40th
# deprovisioned, every 53rd suspended, every 7th without a factor; every user in one group; an
# app assigned to its own groups and to every 10th group, and to 20 users directly.
python3 - "$dir/tenants/bench.json" "$users" "$apps" "$groups" "$limit" <<'PY'
import json, sys
out, n, apps, groups, limit = sys.argv[1], *map(int, sys.argv[2:])
gn = max(groups, 1)
users = []
for i in range(n):
    status = "DEPROVISIONED" if i % 40 == 39 else "SUSPENDED" if i % 53 == 52 else "ACTIVE"
    u = {"id": "00u%07d" % i, "status": status, "created": "2024-01-15T09:00:00.000Z",
         "lastLogin": "2026-%02d-15T09:00:00.000Z" % (1 + i % 12),
         "profile": {"login": "user%d@acme.com" % i, "email": "user%d@acme.com" % i, "firstName": "User", "lastName": str(i),
                     "employeeNumber": "E%d" % i, "department": "Engineering" if i % 2 == 0 else "Sales"},
         "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
         "groups": ["00g%05d" % (i % gn)],
         "factors": [] if i % 7 == 3 else [{"factorType": "push", "status": "ACTIVE"}]}
    if i % 25 == 0:
        u["roles"] = ["ORG_ADMIN"]
    users.append(u)
app_list = [{"id": "0oa%05d" % a, "label": "App %d" % a, "name": "saml_app",
             "groups": ["00g%05d" % g for g in range(gn) if g % max(apps, 1) == a or g % 10 == 0],
             "users": ["00u%07d" % i for i in range(n) if i % 97 == a % 97][:20]} for a in range(apps)]
with open(out, "w") as f:
    json.dump({"kind": "okta", "secret": "bench-okta-token", "users": users,
               "groups": [{"id": "00g%05d" % g, "name": "Team %d" % g} for g in range(groups)],
               "apps": app_list, "rate_limit": {"limit": limit, "window_ms": 60000}}, f)
PY
echo bench-okta-token > "$dir/token"
printf 'email,name\nuser1@acme.com,User 1\n' > "$dir/hr.csv"

"$bin" sandbox --listen 127.0.0.1:0 --tenants "$dir/tenants" > "$dir/sandbox.out" 2>/dev/null &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "^sandbox on" "$dir/sandbox.out" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$dir/sandbox.out" | grep -o 'http://[0-9.:]*')
cat > "$dir/config.toml" <<TOML
[identity]
path = "hr.csv"
[[apps]]
name = "okta"
kind = "okta"
base_url = "$url/okta/bench"
auth = { type = "ssws", token = { file = "token" } }
# The org's own budget is the limit (the engine reads it from every answer), not a guess here.
requests_per_second = 5000
concurrency = 8
api_tokens = false
TOML
start=$(date +%s.%N)
/usr/bin/time -v "$bin" -q collect --config "$dir/config.toml" --out "$dir/snap" > "$dir/collect.out" 2> "$dir/time.txt"
end=$(date +%s.%N)
curl -s "$url/_sandbox/bench/stats" > "$dir/stats.json"
python3 - "$dir/stats.json" "$limit" "$start" "$end" "$dir/time.txt" <<'PY'
import json, sys, re
stats = json.load(open(sys.argv[1])); limit = int(sys.argv[2]); secs = float(sys.argv[4]) - float(sys.argv[3])
rate = limit / 60.0
buckets = {k.split("/api/v1/", 1)[-1]: v for k, v in stats["by_bucket"].items()}
first = {k: v for k, v in buckets.items() if "*" not in k}
second = {k: v for k, v in buckets.items() if "*" in k}
busiest = [max(first.values(), default=0), max(second.values(), default=0)]
bound = sum(n / rate for n in busiest)
# Okta's windows are a minute long and a window's budget may be spent at once: the least time
# the org allows is the windows each phase's busiest bucket must wait through.
least = sum(((n - 1) // limit) * 60 for n in busiest if n > 0)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[5]).read()).group(1))
print("requests per endpoint bucket (limit %d a minute each = %.0f/s):" % (limit, rate))
for k, v in sorted(buckets.items(), key=lambda kv: -kv[1]):
    print("  %-28s %8d  %s" % (k, v, "(first phase)" if k in first else ""))
print("total requests %d, 429s %d" % (stats["requests"], stats["served_429"]))
print("bound: %.1f s = requests / allowed rate (busiest first-phase bucket %d + busiest per-item bucket %d requests, at %.0f/s);"
      " the minute windows alone allow %d s" % (bound, busiest[0], busiest[1], rate, least))
print("collection: %.1f s = %.3fx the bound; peak RSS %.0f MiB" % (secs, secs / bound, rss / 1024))
PY
cat "$dir/collect.out"
