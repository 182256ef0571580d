#!/usr/bin/env bash
# Jira Service Management collection benchmark (issue 5): a sandbox site of USERS accounts with
# 200 groups and 5 service desks, plus the organization admin API, under faults (a burst of 429s
# with Retry-After, a 503 with an HTML body every 97 requests, a row repeated across pages), read
# at RPS requests/second. The test asserts that every account, group membership and desk customer
# is collected exactly once, and prints requests, wall time and the rate-limit bound.
#
#   scripts/bench-jsm.sh [USERS] [RPS]      (defaults: 50000 accounts, 200 requests/second)
#
# JSM_BENCH_FAULTS=0 runs the same site without faults, for comparison; JSM_BENCH_ORG=0 leaves
# the organization admin API out; JSM_BENCH_HIST=1 prints the requests served per second.
#
# Runs the ignored test `scale_50k_accounts_200_groups_5_desks_under_faults` of tests/integration/collect_jsm.rs
# with the release profile (the sandbox and the collector in one process, over loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSM_BENCH_USERS=${1:-50000}
export JSM_BENCH_RPS=${2:-200}
cargo test --release --quiet --test integration -- --ignored --nocapture collect_jsm::scale_ 2>&1 | grep -E "jsm scale|test result|panicked|assert"
