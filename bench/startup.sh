#!/usr/bin/env bash
# Benchmark 5, start-up: exec of the production jar to its first correct answer for a ready pod, against the mock
# cluster. Alternates, run by run, the jar as shipped and the same jar with the AppCDS archive Quarkus builds
# (quarkus.package.jar.appcds.enabled, a build-time option, built here into target-bench-appcds).
# About 3 minutes.
#   bench/startup.sh [--runs 4]
# Where the time goes: add --jvm "-Xlog:class+load:file=/tmp/class-load.txt:uptime" and group the classes by second.
source "$(dirname "$0")/lib.sh"
build
echo "building the AppCDS variant (target-bench-appcds) ..."
mvn_twice -Dbuild.dir=target-bench-appcds package -DskipTests -Dquarkus.package.jar.appcds.enabled=true
cds="$PWD/target-bench-appcds/quarkus-app/app-cds.jsa"
BENCH_JAR=target-bench-appcds/quarkus-app/quarkus-run.jar \
    run_harness StartupBench --jvm "|-XX:SharedArchiveFile=$cds" "$@"
