#!/usr/bin/env bash
# Benchmark 5, start-up: exec of the production jar to its first correct answer for a ready pod, against the mock
# cluster. Alternates, run by run: the jar as shipped on the default JDK (17), the same jar on JDK 25, and on JDK 25
# with the AOT cache (JEP 483/514) of a training run made just before with that JDK and that jar.
# About 4 minutes.
#   bench/startup.sh [--runs 5] [--java HOME,HOME] [--aot true|false] [--jvm "opts|other opts"]
# Where the time goes: add --jvm "-Xlog:class+load:file=/tmp/class-load.txt:uptime" and group the classes by second.
source "$(dirname "$0")/lib.sh"
build
jdk25=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)
javas="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")${jdk25:+,$jdk25}"
[[ -n $jdk25 ]] || echo "no JDK 25 under /usr/lib/jvm: measuring the default JDK only" >&2
run_harness StartupBench --runs 5 --java "$javas" --aot true "$@"
