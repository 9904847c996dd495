#!/usr/bin/env bash
# Benchmark 6, soak: 300 pods scraped at the default interval and 300 req/s over HTTPS for 10 minutes, in a JVM
# sized like the Deployment (512 MiB, heap 75 %); every 15 s the heap after a full GC, RSS, threads, file
# descriptors and that interval's latency p50/p99; then bench/soak.png (gnuplot). Not part of ./mvnw verify.
#   bench/soak.sh [--pods 300] [--rate 300] [--minutes 10] [--sample 15] [--connections 10] [--warmup 30]
source "$(dirname "$0")/lib.sh"
require gnuplot
build
run_harness SoakBench "$@"
gnuplot -e "data='target-bench/out/soak/soak.csv'; out='bench/soak.png'" bench/soak.gp
echo "plot: bench/soak.png"
