#!/usr/bin/env bash
# Benchmark 2, scrape cost: the adapter and Prometheus scraping the same 500 local pods every second, at the same
# time; CPU seconds per 1,000 scrapes of each, from /proc, after a warm-up (the JIT). About 3 minutes.
#   bench/scrape.sh [--pods 500] [--warmup 60] [--seconds 60] [--baseline OLDER.jar]   (that build scraping the same pods at the same time)
#                   [--jvm "-XX:+UseSerialGC ..."] [--baseline-jvm "..."]   (JVM options added for this build, that one)
source "$(dirname "$0")/lib.sh"
require prometheus
build
run_harness ScrapeBench "$@"
