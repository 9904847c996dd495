package dev.hpa.adapter.testing;

/**
 * The server's true state at one instant, as the metrics pages print it. Integrals are in request·nanoseconds,
 * so Δintegral / Δt is an average concurrency.
 *
 * @param uptimeNanos   time since the server started
 * @param inFlight      requests held right now; running + waiting
 * @param running       the part within the notional max batch size
 * @param waiting       the part beyond it
 * @param arrivals      requests received so far
 * @param completed     requests answered so far
 * @param latencyNanos  Σ latency of completed requests (grows only at completion, like real latency counters)
 * @param runningNanos  ∫ running dt since start
 * @param waitingNanos  ∫ waiting dt since start
 */
record LoadSnapshot(long uptimeNanos, int inFlight, int running, int waiting, long arrivals, long completed,
                    long latencyNanos, long runningNanos, long waitingNanos,
                    Histogram pythonSeconds, Histogram vllmSeconds, Histogram tgiSeconds, Histogram otelSeconds) {

    double uptimeSeconds() {
        return uptimeNanos / 1e9;
    }
}
