#!/usr/bin/env bash
# Scale benchmark of the review campaign (issue 28): on the report bench's data (200k people,
# 1M accounts over 6 apps; examples/generate_company.rs, the same files scripts/bench-report.sh
# makes), `campaign plan` with recommendations (one packet per manager: ~20k reviewers) and
# `campaign remind --dry-run` (one .eml per reviewer, their packet attached). Targets: plan at most
# 15 s and 2 GiB; remind at most 30 s.
#
#   scripts/bench-campaign.sh            # 1M accounts, 3 plans
#   scripts/bench-campaign.sh 250000 5   # another size (people = accounts / 5), 5 plans
#
# Uses the release build; data goes to ${BENCH_DIR:-target/bench}. Prints wall time, CPU time and
# peak RSS of each command, the median plan, and how many reviewers and emails there were.
#
# Earlier outputs are moved aside and removed at the end, not before the measurements: on an ext4
# file system without a journal (this machine's), making a file skips the inodes freed in the last
# minutes (the kernel's recently_deleted(): 1 minute, 6 while their block is unwritten), and a plan
# right after the previous bench's ~40k files were removed spent a fifth of its time there. A
# user's plan does not follow such a removal. Run back to back, the first plan of a run still can;
# so can a run that follows a cargo build (which removes thousands of files) by a minute or less.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-1000000}
runs=${2:-3}
people=$(( accounts / 5 ))
dir=${BENCH_DIR:-target/bench}
cargo build --release --quiet --bin access-audit --example generate_company
bin=target/release/access-audit
gen=target/release/examples/generate_company
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }
data="$dir/company-$accounts"
[ -f "$data/config.toml" ] || "$gen" --people "$people" --accounts "$accounts" --apps 6 --out "$data" >/dev/null
# The bench's config with a campaign: by manager, everything else to one fallback reviewer.
config="$data/config-campaign.toml"
sed 's/^\[identity\]$/[campaign]\nby = "manager"\ndue = "2027-01-31"\nfallback_reviewer = "p1@acme.com"\nowner = "p1@acme.com"\nescalate_after_days = 7\n\n[identity]/' \
  "$data/config.toml" > "$config"
out="$data/out-campaign"

measure() { # label, then the command
  local label=$1; shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$dir/.time" "$@" >/dev/null 2>"$dir/.stderr" || { rc=$?; [ $rc -eq 4 ] || { cat "$dir/.stderr"; exit $rc; }; }
  read -r secs user sys kb < "$dir/.time"
  printf '%-16s %-8s %8.2f s wall %8.2f s cpu %8.0f MiB\n' "$label" "$accounts" "$secs" "$(echo "$user + $sys" | bc)" "$((kb / 1024))"
}

trash="$dir/.bench-campaign-trash"
mkdir -p "$trash"
[ -e "$out" ] && mv "$out" "$trash/out-$(date +%s%N)"
echo "(the report first: $bin run, not measured here; scripts/bench-report.sh measures it)"
"$bin" -q run --config "$config" --out "$out" > /dev/null 2>&1 || true
[ -f "$out/accounts.csv" ] || { echo "the run wrote no report in $out" >&2; exit 1; }
printf '%-16s %-8s %13s %13s %12s\n' command accounts wall cpu "peak RSS"
plans=()
for run in $(seq "$runs"); do
  [ -e "$out/campaign" ] && mv "$out/campaign" "$trash/campaign-$run"
  measure "campaign plan" "$bin" -q campaign plan --report "$out" --config "$config"
  plans+=("$secs")
done
reviewers=$(( $(wc -l < "$out/campaign/reviewers.csv") - 1 ))
measure "campaign remind" "$bin" -q campaign remind --report "$out" --config "$config" --dry-run --on 2027-02-10
emails=$(find "$out/campaign/outbox" -name '*.eml' | wc -l)
echo "reviewers: $reviewers; emails written: $emails ($(du -sh "$out/campaign/outbox" | cut -f1)); packets: $(du -sh --exclude=outbox "$out/campaign" | cut -f1)"
median=$(printf '%s\n' "${plans[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "campaign plan: median of $runs: $median s (target 15 s)"
# Synced after the removal: the freed inodes' blocks written, the next minute (not six) pays for them.
rm -rf "$trash"
sync
