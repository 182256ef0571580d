#!/usr/bin/env bash
# BlueJeans Events collection benchmark (issue 6): a sandbox enterprise of USERS users (the list
# without the admin flag, so every user's enterprise profile is read) and EVENTS events, with the
# registration app configured (every registration-enabled event's key is checked), under faults
# (a burst of 429s with Retry-After, a 503 every 211 requests, OAuth tokens that stop working
# after 5000 requests), read at RPS requests/second. The test asserts every user and every event
# is collected exactly once, and prints requests, wall time and the rate-limit bound.
#
#   scripts/bench-bluejeans.sh [USERS] [EVENTS] [RPS]   (defaults: 20000 users, 5000 events, 500/s)
#
# BJ_BENCH_FAULTS=0 runs the same tenant without faults. Runs the ignored test
# `scale_20k_users_5k_events_under_faults` of tests/integration/collect_bluejeans.rs with the release profile.
set -euo pipefail
cd "$(dirname "$0")/.."
export BJ_BENCH_USERS=${1:-20000}
export BJ_BENCH_EVENTS=${2:-5000}
export BJ_BENCH_RPS=${3:-500}
cargo test --release --quiet --test integration -- --ignored --nocapture collect_bluejeans::scale_ 2>&1 | grep -E "events scale|test result|panicked|assert"
