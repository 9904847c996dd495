#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside input: each @FuzzTest of src/test/java (Jazzer) fuzzed for a
# while, one JVM per target, then a table of executions, coverage and findings. `./mvnw verify` only replays the
# corpus (src/test/resources/dev/hpa/adapter/**/*FuzzTestInputs/<method>); this script looks for new inputs.
#   bench/fuzz.sh [--duration 5m] [--jobs 1] [--only PATTERN]
# --duration: per target (Ns, Nm); --jobs: targets fuzzed at once; --only: targets whose Class#method matches.
# Inputs that found new coverage collect in target-fuzz/fuzz/corpus/<target>/ (not committed: copy the ones worth
# keeping into the target's Inputs directory); a finding (exception, assertion, timeout, out of memory) stops its
# target and is written to target-fuzz/fuzz/findings/<target>/, with the stack trace in target-fuzz/fuzz/logs/<target>.log.
source "$(dirname "$0")/lib.sh"

duration=5m
jobs=1
only=.
while (($#)); do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "unknown option $1; options: --duration 5m --jobs 1 --only PATTERN" >&2; exit 2 ;;
    esac
done
case $duration in
    *m) seconds=$((${duration%m} * 60)) ;;
    *s) seconds=${duration%s} ;;
    *) seconds=$duration ;;
esac

# Every @FuzzTest method: Class#method.
targets=()
while IFS= read -r file; do
    class=$(echo "${file#src/test/java/}" | sed 's#/#.#g; s#\.java$##')
    for method in $(grep -A1 '@FuzzTest' "$file" | sed -n 's/.*void \([a-zA-Z0-9_]*\)(.*/\1/p'); do
        [[ "$class#$method" =~ $only ]] && targets+=("$class#$method")
    done
done < <(grep -rl '@FuzzTest' src/test/java | sort)
((${#targets[@]})) || { echo "no @FuzzTest matches $only" >&2; exit 2; }

# Its own build directory, so that a ./mvnw verify of the same checkout can run beside it.
echo "building the test classes and their class path (target-fuzz/) ..."
mvn_twice -Dbuild.dir=target-fuzz test-compile dependency:build-classpath \
    -Dmdep.outputFile=target-fuzz/fuzz/classpath.txt -Dmdep.includeScope=test
classpath="target-fuzz/test-classes:target-fuzz/classes:$(cat target-fuzz/fuzz/classpath.txt)"
mkdir -p target-fuzz/fuzz/logs

# One target in its own JVM. Pages reach 8 KB (vLLM), so inputs may grow to 16 KiB; an input that takes 10 s or
# a heap of 1 GiB is a finding. Coverage instrumentation is on here (--hooks=true), off in the default test run.
fuzz() {
    local target=$1 class=${1%#*} method=${1#*#}
    local name="${class##*.}.$method"
    local seeds="src/test/resources/$(dirname "${class//.//}")/${class##*.}Inputs/$method"
    rm -rf "target-fuzz/fuzz/findings/$name" # this run's findings only; the corpus carries over
    mkdir -p "target-fuzz/fuzz/corpus/$name" "target-fuzz/fuzz/findings/$name" "$seeds"
    java -Xmx1g -XX:+CrashOnOutOfMemoryError -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
        --target_class="$class" --target_method="$method" --hooks=true '--instrumentation_includes=dev.hpa.adapter.**' \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="target-fuzz/fuzz/findings/$name/" "target-fuzz/fuzz/corpus/$name" "$seeds" \
        >"target-fuzz/fuzz/logs/$name.log" 2>&1 || true
}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
echo "fuzzing ${#targets[@]} targets, $duration each, $jobs at a time; logs in target-fuzz/fuzz/logs/"
for target in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do
        wait -n || true
    done
    echo "[$(date +%T)] $target"
    fuzz "$target" &
    pids+=($!)
done
wait
trap - INT TERM EXIT

echo
echo "Fuzzing, $duration per target, $(nproc) cores ($jobs at a time; the machine may be shared)"
echo "| target | executions | exec/s | coverage (edges) | features | corpus (inputs) | findings |"
echo "|---|---|---|---|---|---|---|"
found=0
for target in "${targets[@]}"; do
    class=${target%#*} method=${target#*#}
    name="${class##*.}.$method"
    log="target-fuzz/fuzz/logs/$name.log"
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
    status=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
    cov=$(echo "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corpus=$(ls "target-fuzz/fuzz/corpus/$name" | wc -l)
    findings=$(ls "target-fuzz/fuzz/findings/$name" | wc -l)
    if [[ -z $runs ]]; then
        runs=$(echo "$status" | sed -n 's/^#\([0-9]*\).*/\1/p')
        findings="$findings (stopped: $(grep -m1 -E '== Java Exception|FuzzerSecurityIssue|ERROR|error in line' "$log" | cut -c1-80 || true))"
    fi
    ((findings == 0)) 2>/dev/null || found=1
    rate=$([[ -n $secs && $secs -gt 0 ]] && echo $((runs / secs)) || echo -)
    echo "| $name | ${runs:-0} | $rate | ${cov:--} | ${ft:--} | $corpus | $findings |"
done
echo
if ((found)); then
    echo "RESULT fuzz: findings: see target-fuzz/fuzz/findings/ and the logs"
    exit 1
fi
echo "RESULT fuzz: no findings in ${#targets[@]} targets"
