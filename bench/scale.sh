#!/usr/bin/env bash
# Benchmark 3, scale: the adapter tracking 100, 1,000 and 10,000 pods at a 1 s interval in a JVM sized like the
# Deployment (512 MiB, heap 75 %); CPU cores, RSS and memory per pod at each size, then bench/scale.png from the
# figures (gnuplot). About 6 minutes.
#   bench/scale.sh [--pods 100,1000,10000] [--warmup 20] [--seconds 30] [--settings adapter.key=value,...]
#                  [--baseline OLDER.jar]   (that build first at each size, then this one)
#                  [--jvm "-XX:+UseSerialGC ..."] [--baseline-jvm "..."]   (JVM options added for this build, that one)
source "$(dirname "$0")/lib.sh"
require gnuplot
build
run_harness ScaleBench "$@"
# The plot README shows: cost against pods, log scale, both axes of one run.
gnuplot -e "data='target-bench/out/scale/scale.csv'; out='bench/scale.png'" bench/scale.gp
echo "plot: bench/scale.png"
