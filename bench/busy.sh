#!/usr/bin/env bash
# Benchmark 6, a busy node: the error of Little's-law concurrency (TorchServe's busy counter, exactly 20 in flight)
# on the machine as it is, then with busy loops starving it; optionally a baseline jar side by side. About 3 minutes.
#   bench/busy.sh [--seconds 60] [--loops 6] [--interval 250ms] [--burst 2s] [--baseline path/to/quarkus-run.jar]
source "$(dirname "$0")/lib.sh"
build
run_harness BusyBench "$@"
