# Shared by the bench/*.sh drivers: checks, builds, and running one harness main with clean shutdown.
# Sourced, not run. Every driver runs from any directory; paths are relative to the repository root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages a benchmark needs: fail early with the command that installs them.
require() {
    local missing=()
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        echo "missing: ${missing[*]}; install with: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

# The production jar exactly as shipped (its own build dir, so other builds of this checkout are untouched),
# and the harness with its class path. Offline first (fast); online when something is not in ~/.m2 yet.
build() {
    require java openssl
    echo "building the production jar (target-bench-app) and the harness (target-bench) ..."
    mvn_twice -Dbuild.dir=target-bench-app package -DskipTests
    mvn_twice -Pbench compile dependency:build-classpath
}

mvn_twice() {
    ./mvnw -B -q -o "$@" >/dev/null 2>&1 || ./mvnw -B -q "$@"
}

# Runs one harness main in the foreground. The harness owns every process it starts (adapter, nginx,
# Prometheus, wrk, hey) and stops them from its shutdown hook; the trap forwards Ctrl-C/TERM to it and waits,
# so nothing outlives the script.
run_harness() {
    local main=$1; shift
    java -Xmx1g -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target-bench/classes:$(cat target-bench/classpath.txt)" \
        -Dbench.jar="${BENCH_JAR:-target-bench-app/quarkus-app/quarkus-run.jar}" -Dbench.out=target-bench/out \
        "dev.hpa.adapter.bench.$main" "$@" &
    HARNESS=$!
    trap 'kill -TERM $HARNESS 2>/dev/null; wait $HARNESS 2>/dev/null' INT TERM EXIT
    wait $HARNESS
    local code=$?
    trap - INT TERM EXIT
    return $code
}
