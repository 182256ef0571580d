#!/usr/bin/env bash
# BeyondTrust collection benchmark (issue 7): a sandbox tenant of USERS users read in each of the
# three flavours at its documented or default rate (public_v3 10/s, config_api 20/s, the
# documented limit of the Configuration API; password_safe 10/s), under faults (a burst of 429s
# with Retry-After, a 503 every 13th request, rows repeated across pages). The test asserts that
# every user, administrator and disabled account is collected exactly, and prints requests, wall
# time and the rate-limit bound per flavour.
#
#   scripts/bench-beyondtrust.sh [USERS]      (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
export BT_BENCH_USERS=${1:-10000}
cargo test --release --quiet --test integration -- --ignored --nocapture collect_beyondtrust::scale_ 2>&1 | grep -E "^beyondtrust|test result|panicked|assert"
