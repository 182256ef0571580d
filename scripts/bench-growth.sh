#!/usr/bin/env bash
# How time and memory grow with the estate (issue 30's growth table, README "Benchmarks"): for each
# size, `collect` (the csv exports into a snapshot), `report` (from that snapshot, every output),
# `run` (both), `campaign plan` (one packet per manager, on the report) and the DuckDB script
# (scripts/duckdb_review.py, the same findings from the same exports). One run of each; wall
# time, CPU time (user + system) and peak RSS, as a Markdown table.
#
#   scripts/bench-growth.sh                          # 250k, 1M, 2M and 5M accounts
#   scripts/bench-growth.sh 1000000 5000000          # the given sizes (people = accounts / 5)
#
# Release build; data in ${BENCH_DIR:-target/bench} (5M accounts: 500 MB of exports; each output
# is removed once measured, the largest, the 5M campaign, takes ~10 GB while it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(250000 1000000 2000000 5000000)
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
# The common default limit of open files: a campaign of tens of thousands of reviewers works under it.
ulimit -n 1024
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }
cargo build --release --quiet --bin access-audit --example generate_company
bin=target/release/access-audit
gen=target/release/examples/generate_company
venv="$dir/duckdb-venv"
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb
fi

rows=()
measure() { # label, then the command
  local label=$1; shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$dir/.time" "$@" >/dev/null 2>"$dir/.stderr" || { rc=$?; [ $rc -eq 4 ] || { cat "$dir/.stderr"; exit $rc; }; }
  read -r secs user sys kb < "$dir/.time"
  local row
  row=$(printf '| %s | %s | %.1f s | %.1f s | %d MiB |' "$accounts" "$label" "$secs" "$(echo "$user + $sys" | bc)" "$((kb / 1024))")
  echo "$row"
  rows+=("$row")
}

echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')"
for accounts in "${sizes[@]}"; do
  people=$(( accounts / 5 ))
  data="$dir/company-$accounts"
  [ -f "$data/config.toml" ] || "$gen" --people "$people" --accounts "$accounts" --apps 6 --out "$data" >/dev/null
  # The bench's config with a campaign (as scripts/bench-campaign.sh): by manager.
  config="$data/config-campaign.toml"
  sed 's/^\[identity\]$/[campaign]\nby = "manager"\ndue = "2027-01-31"\nfallback_reviewer = "p1@acme.com"\nowner = "p1@acme.com"\nescalate_after_days = 7\n\n[identity]/' \
    "$data/config.toml" > "$config"
  rm -rf "$data/growth-snap" "$data/growth-report" "$data/growth-run" "$data/growth-duckdb"
  measure collect "$bin" -q collect --config "$config" --out "$data/growth-snap"
  measure report "$bin" -q report --config "$config" --snapshot "$data/growth-snap" --out "$data/growth-report"
  measure "campaign plan" "$bin" -q campaign plan --report "$data/growth-report" --config "$config"
  rm -rf "$data/growth-report" "$data/growth-snap"
  measure run "$bin" -q run --config "$config" --out "$data/growth-run"
  rm -rf "$data/growth-run"
  measure "DuckDB script" "$venv/bin/python" scripts/duckdb_review.py "$data/config.toml" "$data/growth-duckdb"
  rm -rf "$data/growth-duckdb"
done

echo
echo "| accounts | command | wall | CPU (user + sys) | peak RSS |"
echo "|---:|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
