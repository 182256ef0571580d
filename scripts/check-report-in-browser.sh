#!/usr/bin/env bash
# Opens a report.html in headless Chromium (Debian's package) and fails on any script error,
# dialog or network request, or a finding table that squeezes its columns; saves screenshots at
# desktop, phone and print sizes next to it. Without an argument it runs the demo, its campaign,
# a few imported decisions (so the decision column shows) and a diff with a later as-of, and
# checks diff.html the same way.
#
#   scripts/check-report-in-browser.sh [REPORT_DIR]     (default: runs the demo into target/browser-check)
#
# Installs what it needs: Debian's chromium (apt-get) and playwright-core (npm, no browser download).
# With SKIP_IF_UNAVAILABLE=1 (as .ci/run sets it), a failed install skips the check with a loud
# message instead of failing; problems in the page always fail.
set -euo pipefail
unavailable() {
  echo "BROWSER CHECK SKIPPED: $1" >&2
  if [ "${SKIP_IF_UNAVAILABLE:-0}" = 1 ]; then exit 0; else exit 1; fi
}
cd "$(dirname "$0")/.."
dir=${1:-}
if [ -z "$dir" ]; then
  dir=target/browser-check
  cargo run --quiet -- -q demo --out "$dir"
  # The sample company's campaign, so that the page is checked with its Campaign section filled.
  cargo run --quiet -- -q campaign plan --report "$dir" --config sample-data/config.toml 2>/dev/null
  cargo run --quiet -- -q campaign status --report "$dir" --on 2027-01-15
  grep -q '<section class="block" id="campaign">' "$dir/report.html" || { echo "no Campaign section in the report" >&2; exit 1; }
  # Decisions on two findings of the demo, so that the decision column shows.
  python3 - "$dir" <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/findings.csv", newline="", encoding="utf-8")))[:2]
with open(f"{d}/../browser-decisions.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["finding_id", "decision", "reviewer", "decided_on", "comment"])
    for r, dec in zip(rows, ["revoke", "keep"]):
        w.writerow([r["finding_id"], dec, "rosa.ito@acme.com", "2027-01-06", "browser check"])
PY
  cargo run --quiet -- -q decisions import "$dir/../browser-decisions.csv" --report "$dir"
  # Two accounts recommended revoke: one revoked, one kept against the recommendation (with the
  # comment such a keep needs), so that the Campaign section lists it.
  python3 - "$dir" <<'PY'
import csv, sys
d = sys.argv[1]
plan = [r for r in csv.DictReader(open(f"{d}/campaign/assignments.csv", newline="", encoding="utf-8"))
        if r["recommendation"] == "revoke" and r["scope"] == "certify"][:2]
with open(f"{d}/../browser-account-decisions.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["app", "account_id", "decision", "reviewer", "decided_on", "comment"])
    for r, dec in zip(plan, ["revoke", "keep"]):
        w.writerow([r["app"], r["account_id"], dec, r["reviewer"], "2027-01-07", "rehired as a contractor (browser check)" if dec == "keep" else ""])
PY
  cargo run --quiet -- -q decisions import "$dir/../browser-account-decisions.csv" --report "$dir"
  cargo run --quiet -- -q campaign status --report "$dir" --on 2027-01-15 > /dev/null
  grep -q 'id="t-kept-against"' "$dir/report.html" || { echo "the Campaign section lists no account kept against a revoke recommendation" >&2; exit 1; }
  # A quarter later, for diff.html.
  rm -rf "$dir-next" "$dir-diff"
  cargo run --quiet -- -q report --config sample-data/config.toml --snapshot "$dir" --as-of 2027-03-31 --out "$dir-next" || true
  cargo run --quiet -- -q diff "$dir" "$dir-next" --out "$dir-diff" 2>/dev/null
fi
command -v node >/dev/null || unavailable "node is not installed"
if ! [ -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || unavailable "could not install Debian's chromium"
fi
if ! [ -d scripts/browser/node_modules/playwright-core ]; then
  (cd scripts/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent) \
    || unavailable "could not install playwright-core from npm"
fi
node scripts/browser/check-report.mjs "$dir/report.html" "$dir"
echo "screenshots: $dir/report-{desktop,findings-desktop,phone,findings-phone,print}.png"
if [ -f "$dir-diff/diff.html" ]; then
  node scripts/browser/check-report.mjs "$dir-diff/diff.html" "$dir-diff" diff
  echo "screenshots: $dir-diff/diff-{desktop,findings-desktop,phone,findings-phone,print}.png"
fi
