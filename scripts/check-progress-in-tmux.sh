#!/usr/bin/env bash
# The progress display on a real terminal: `collect` of a 6,000-user app whose API reports its
# total, run in a tmux pane; the pane must show the app's line with a bar, a percentage, an ETA
# and "N of 6000 read" while it runs, and the finished line after.
#
#   scripts/check-progress-in-tmux.sh      (installs Debian's tmux when missing)
set -euo pipefail
unavailable() {
  echo "PROGRESS CHECK SKIPPED: $1" >&2
  if [ "${SKIP_IF_UNAVAILABLE:-0}" = 1 ]; then exit 0; else exit 1; fi
}
cd "$(dirname "$0")/.."
if ! command -v tmux >/dev/null; then
  echo "installing Debian's tmux..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null) || unavailable "could not install tmux"
fi
cargo build --quiet
bin="$PWD/target/debug/access-audit"
work=$(mktemp -d)
session="aa-progress-$$"
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -n "${sandbox_pid:-}" ] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tenants"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
users = [{"id": f"u{i:05}", "email": f"user{i}@acme.com", "firstName": "User", "lastName": str(i), "role": "member",
          "status": "active", "createdAt": "2026-01-02T03:04:05Z"} for i in range(6000)]
json.dump({"kind": "messagebird", "secret": "progress-key", "users": users, "faults": {"slow_ms": 300}}, open(f"{work}/tenants/big.json", "w"))
open(f"{work}/hr.csv", "w").write("email,name,status\nuser1@acme.com,User 1,active\n")
open(f"{work}/key", "w").write("progress-key")
PY
"$bin" sandbox --listen 127.0.0.1:0 --tenants "$work/tenants" > "$work/sandbox.out" 2>/dev/null &
sandbox_pid=$!
for _ in $(seq 50); do grep -q "http://" "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out" | head -1)
[ -n "$url" ] || { echo "the sandbox did not start" >&2; exit 1; }
cat > "$work/config.toml" <<TOML
[identity]
path = "hr.csv"
[[apps]]
name = "big-app"
kind = "messagebird"
base_url = "$url/messagebird/big"
auth = { type = "access_key", key = { file = "key" } }
page_size = 100
concurrency = 2
TOML
tmux new-session -d -s "$session" -x 160 -y 12 "$bin collect --config $work/config.toml --out $work/snap; sleep 30"
seen=""
for _ in $(seq 40); do
  sleep 0.25
  pane=$(tmux capture-pane -p -t "$session")
  if echo "$pane" | grep -q "big-app.*%.*eta.*of 6000 read"; then seen="$pane"; break; fi
done
[ -n "$seen" ] || { echo "PROGRESS CHECK FAILED: no bar with a percentage and an ETA; the pane showed:"; tmux capture-pane -p -t "$session"; exit 1; }
echo "while running:"; echo "$seen" | grep "big-app"
for _ in $(seq 80); do
  sleep 0.25
  pane=$(tmux capture-pane -p -t "$session")
  if echo "$pane" | grep -q "big-app.*6000 accounts, complete"; then
    echo "finished:"; echo "$pane" | grep "big-app"
    echo "progress check passed"
    exit 0
  fi
done
echo "PROGRESS CHECK FAILED: the finished line did not appear; the pane showed:"; tmux capture-pane -p -t "$session"; exit 1
