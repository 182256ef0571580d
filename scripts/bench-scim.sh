#!/usr/bin/env bash
# SCIM collection benchmark (issue 8): a sandbox SCIM server with USERS users (and a group per
# 500 users, plus all-staff and admins), read at RPS requests/second with count=1000, under faults
# (3x429 with Retry-After, a 503 every 97th request). Asserts every user and membership exactly;
# prints requests, wall time and the rate-limit bound.
#
#   scripts/bench-scim.sh [USERS] [RPS]      (defaults: 100000 users, 100 requests/second)
set -euo pipefail
cd "$(dirname "$0")/.."
export SCIM_BENCH_USERS=${1:-100000}
export SCIM_BENCH_RPS=${2:-100}
cargo test --release --quiet --test integration -- --ignored --nocapture collect_scim::scale_ 2>&1 | grep -E "scim scale|test result|panicked|assert"
