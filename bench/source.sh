#!/usr/bin/env bash
# The two sources of values side by side: one adapter scraping N pods itself, one reading them from Prometheus
# (Debian's 2.42, scraping the same pods every second); the same open-loop load on each in turn; latency per
# request and CPU of the adapter (and of Prometheus, which answers the queries) above idle. About 4 minutes.
#   bench/source.sh [--pods 100] [--rate 200] [--seconds 20] [--warmup 20] [--rounds 2]
source "$(dirname "$0")/lib.sh"
require prometheus
build
run_harness SourceBench "$@"
