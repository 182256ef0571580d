#!/usr/bin/env bash
# Scale benchmark of the report stage (correlation + findings + every output), SPEC scale target:
# 200k people and 1M accounts over 6 apps in at most 10 s and 2 GiB peak RSS on 2 cores.
#
#   scripts/bench-report.sh                 # 50k, 250k, 500k and 1M accounts
#   scripts/bench-report.sh 1000000         # only the given sizes
#   WORKBOOK_MAX_APP_ROWS=0 scripts/bench-report.sh   # review.xlsx without app sheets at any size
#
# Uses the release build; data goes to ${BENCH_DIR:-target/bench}. Prints wall time and peak RSS
# of `collect` (reading the CSV exports), of `report` (from the snapshot) and of `run` (both, every
# output) for each size. scripts/bench-vs-duckdb.sh compares `run` with a DuckDB script.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50000 250000 500000 1000000)
dir=${BENCH_DIR:-target/bench}
cargo build --release --quiet --bin access-audit --example generate_company
bin=target/release/access-audit
gen=target/release/examples/generate_company
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }

measure() { # label, then the command
  local label=$1; shift
  # Every output is fsynced before it is renamed into place: start each run with the disk idle,
  # or the previous run's writeback is measured too.
  sync
  /usr/bin/time -f "%e %M" -o "$dir/.time" "$@" >/dev/null 2>"$dir/.stderr" || { rc=$?; [ $rc -eq 4 ] || { cat "$dir/.stderr"; exit $rc; }; }
  read -r secs kb < "$dir/.time"
  printf '%-10s %-8s %8.2f s %8.0f MiB\n' "$label" "$accounts" "$secs" "$((kb / 1024))"
}

printf '%-10s %-8s %10s %12s\n' stage accounts wall "peak RSS"
for accounts in "${sizes[@]}"; do
  people=$(( accounts / 5 ))
  data="$dir/company-$accounts"
  [ -f "$data/config.toml" ] || "$gen" --people "$people" --accounts "$accounts" --apps 6 --out "$data" >/dev/null
  if [ -n "${WORKBOOK_MAX_APP_ROWS:-}" ]; then
    config="$data/config-cap.toml"
    sed "s/^\[review\]$/[review]\nworkbook_max_app_rows = $WORKBOOK_MAX_APP_ROWS/" "$data/config.toml" > "$config"
  else
    config="$data/config.toml"
  fi
  rm -rf "$data/snap" "$data/out"
  measure collect "$bin" -q collect --config "$config" --out "$data/snap"
  measure report "$bin" -q report --config "$config" --snapshot "$data/snap" --out "$data/out"
  rm -rf "$data/out-run"
  measure run "$bin" -q run --config "$config" --out "$data/out-run"
  html=$(stat -c %s "$data/out/report.html")
  printf '%-10s %-8s %10s\n' report.html "$accounts" "$((html / 1024)) KiB"
done
