#!/usr/bin/env bash
# Benchmark 1, API throughput and latency: the adapter answering pods/*/concurrency for a 100-pod selector over
# HTTPS keep-alive, against nginx serving a captured copy of the same answer over HTTPS. About 3 minutes.
#   bench/api.sh [--pods 100] [--warmup 30] [--seconds 10] [--rounds 2] [--connections 32] [--rate 500] [--rate-seconds 20]
#                [--baseline OLDER.jar] [--also-settings key=value,key=value]   (more adapters in the same rounds)
source "$(dirname "$0")/lib.sh"
require nginx wrk
build
run_harness ApiBench "$@"
