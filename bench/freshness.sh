#!/usr/bin/env bash
# Benchmark 4, freshness: five pods step from 0 to 50 requests in flight after a minute at 0; how long until the
# API reports >= 45 on the burst window, and concurrency_stable reaches 90 % of an exact 60 s average. Two adapters
# side by side: the default 6 s burst window and a 2 s one. About 3 minutes.
#   bench/freshness.sh [--idle 62] [--seconds 20] [--bursts 6s,2s]
source "$(dirname "$0")/lib.sh"
build
run_harness FreshnessBench "$@"
