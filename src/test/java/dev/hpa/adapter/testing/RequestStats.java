package dev.hpa.adapter.testing;

/**
 * Knative's RequestStats + ProtobufStatsReporter: once a second, the average concurrency and request rate of
 * the second just ended are stored, and scrapes return that Stat until the next report.
 *
 * <p>Unlike queue-proxy, the seconds are aligned to the server's start (period k is [k−1, k] s of uptime,
 * computed from the exact history, so a late timer changes nothing): a test reads {@code process_uptime}
 * from a Stat and knows exactly which second it must equal.
 */
final class RequestStats {
    private static final long PERIOD_NANOS = 1_000_000_000L;

    private final Ledger ledger;
    private final long startNanos;
    private long reportedPeriods;
    private volatile StatMessage last = StatMessage.BEFORE_FIRST_REPORT;

    RequestStats(Ledger ledger, long startNanos) {
        this.ledger = ledger;
        this.startNanos = startNanos;
    }

    /** Called often by a timer; reports the latest second once it has ended. */
    synchronized void report(long nowNanos) {
        long periods = (nowNanos - startNanos) / PERIOD_NANOS;
        if (periods <= reportedPeriods) {
            return;
        }
        long end = startNanos + periods * PERIOD_NANOS;
        long begin = end - PERIOD_NANOS;
        // ∫ in-flight dt / period, as RequestStats.compute; arrivals / 1 s, as ProtobufStatsReporter.Report
        double concurrency = (double) ledger.inFlightIntegral(begin, end) / PERIOD_NANOS;
        double perSecond = ledger.arrivals(begin, end) * 1e9 / PERIOD_NANOS;
        last = new StatMessage(concurrency, perSecond, periods * PERIOD_NANOS / 1e9);
        reportedPeriods = periods;
    }

    StatMessage last() {
        return last;
    }
}
