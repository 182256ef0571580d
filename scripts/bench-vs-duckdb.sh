#!/usr/bin/env bash
# Side by side: `access-audit run` against a tuned DuckDB script (scripts/duckdb_review.py) that
# reads the same exports and writes the same findings, per-category CSVs, findings.json,
# accounts.csv and a hashed manifest. Runs alternate (tool, DuckDB, tool, ...), 3 of each; prints
# every run, the medians, the wall-time and CPU-time (user + system) ratios (tool / DuckDB) and
# both peak RSS figures, and
# checks that both found the same number of findings in every category.
#
#   scripts/bench-vs-duckdb.sh                # 1M accounts, 200k people, 6 csv apps
#   scripts/bench-vs-duckdb.sh 250000         # another size (people = accounts / 5)
#   RUNS=5 scripts/bench-vs-duckdb.sh
#
# Release build; data in ${BENCH_DIR:-target/bench}; DuckDB from PyPI in target/bench/duckdb-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-1000000}
runs=${RUNS:-3}
people=$(( accounts / 5 ))
dir=${BENCH_DIR:-target/bench}
data="$dir/company-$accounts"
mkdir -p "$dir"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }
cargo build --release --quiet --bin access-audit --example generate_company
bin=target/release/access-audit
[ -f "$data/config.toml" ] || target/release/examples/generate_company --people "$people" --accounts "$accounts" --apps 6 --out "$data" >/dev/null
venv="$dir/duckdb-venv"
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb
fi
echo "DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)'); $(nproc) cores; $accounts accounts, $people people"

measure() { # label out-dir command...: appends "label secs kb" to $dir/.runs
  local label=$1 out=$2; shift 2
  rm -rf "$out"
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$dir/.time" "$@" >"$dir/.stdout" 2>"$dir/.stderr" || { rc=$?; [ $rc -eq 4 ] || { cat "$dir/.stderr"; exit $rc; }; }
  read -r secs user sys kb < "$dir/.time"
  cpu=$(echo "$user + $sys" | bc)
  printf '%-12s %8.2f s wall %8.2f s cpu (user %.2f + sys %.2f) %8.0f MiB\n' "$label" "$secs" "$cpu" "$user" "$sys" "$((kb / 1024))"
  echo "$label $secs $cpu $kb" >> "$dir/.runs"
}

: > "$dir/.runs"
for i in $(seq "$runs"); do
  measure access-audit "$data/out-tool" "$bin" -q run --config "$data/config.toml" --out "$data/out-tool" --force
  measure duckdb "$data/out-duckdb" "$venv/bin/python" scripts/duckdb_review.py "$data/config.toml" "$data/out-duckdb"
done
duck_counts=$(cat "$dir/.stdout")

python3 - "$dir/.runs" "$data/out-tool/findings.csv" "$duck_counts" <<'PY'
import csv, json, statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, secs, cpu, kb = line.split()
    runs[label].append((float(secs), float(cpu), int(kb)))
med = {
    k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), statistics.median(r[2] for r in v), max(r[2] for r in v))
    for k, v in runs.items()
}
print()
print(f"{'':12} {'median wall':>12} {'median CPU':>12} {'median RSS':>12} {'max RSS':>10}")
for k, (s, cpu, kb, mx) in med.items():
    print(f"{k:12} {s:10.2f} s {cpu:10.2f} s {kb / 1024:8.0f} MiB {mx / 1024:6.0f} MiB")
print(f"ratio (access-audit / DuckDB wall): {med['access-audit'][0] / med['duckdb'][0]:.2f}")
print(f"ratio (access-audit / DuckDB CPU, user + system): {med['access-audit'][1] / med['duckdb'][1]:.2f}")
tool = collections.Counter(r["category"] for r in csv.DictReader(open(sys.argv[2], newline="")))
duck = json.loads(sys.argv[3])
print()
print(f"{'category':24} {'access-audit':>12} {'duckdb':>8}")
same = True
for c in sorted(set(tool) | set(duck)):
    t, d = tool.get(c, 0), duck.get(c, 0)
    same &= t == d
    print(f"{c:24} {t:12} {d:8}{'' if t == d else '   <-- differs'}")
print("same findings per category" if same else "FINDINGS DIFFER")
PY
