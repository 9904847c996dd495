package dev.hpa.adapter.window;

/**
 * The recent load of one pod: a {@link SignalWindow} per signal, plus when the pod was last read and since when
 * it has been read without a break. Written by the scrape of that pod, read by API requests.
 */
public final class PodSeries {

    private final SignalWindow concurrency;
    private final SignalWindow rps;
    private final long intervalMillis;
    private final long staleAfterMillis;
    private final long maxSpanMillis;
    private long lastReadAt = Long.MIN_VALUE;
    private boolean failedSinceRead;
    private long observedSince = Long.MIN_VALUE;
    private String source;
    private String problem;

    /**
     * @param maxSpanMillis the longest span a counter's rate may cover: the stable window, as nothing an answer
     *                      averages is older
     */
    PodSeries(int capacity, long intervalMillis, long staleAfterMillis, long maxSpanMillis) {
        this.concurrency = new SignalWindow(capacity);
        this.rps = new SignalWindow(capacity);
        this.intervalMillis = intervalMillis;
        this.staleAfterMillis = staleAfterMillis;
        this.maxSpanMillis = maxSpanMillis;
    }

    synchronized void record(Reading reading) {
        long at = reading.atMillis();
        // A long gap is an outage only when the pod failed to answer in it. When no scrape failed, the gap is
        // the adapter's own lateness (its timers late on a CPU-starved node, scrapes skipped when too many were
        // in flight): the pod was there all along, a counter's rate over the gap is exact, and restarting the
        // window would leave a value over a few hundred milliseconds, which Little's law cannot give honestly.
        boolean continuous = lastReadAt != Long.MIN_VALUE
                && (at - lastReadAt <= staleAfterMillis || !failedSinceRead);
        if (!continuous) {
            observedSince = at;
            concurrency.resetTotal();
            rps.resetTotal();
        }
        // A level stands for the time since the previous read, but for one interval at most: past that we
        // would be guessing what happened while the pod was not answering.
        long levelFrom = continuous ? Math.max(lastReadAt, at - intervalMillis) : at - intervalMillis;
        add(concurrency, reading.concurrency(), levelFrom, at);
        add(rps, reading.rps(), levelFrom, at);
        lastReadAt = at;
        failedSinceRead = false;
        source = reading.source();
        problem = null;
    }

    /** Notes why the latest scrape failed; earlier samples stay, and age out on their own. */
    synchronized void fail(String why) {
        problem = why;
        failedSinceRead = true;
    }

    /** Why the latest scrape failed, or null when it succeeded. */
    public synchronized String problem() {
        return problem;
    }

    private void add(SignalWindow window, Observation observation, long levelFrom, long at) {
        if (observation == null || !Observation.plausible(observation.value())) {
            return; // NaN, Inf or a negative load on a page must never reach the HPA (PageReader refuses them too)
        }
        switch (observation.kind()) {
            case LEVEL -> window.addLevel(levelFrom, at, observation.value());
            case TOTAL -> window.addTotal(at, observation.value(), maxSpanMillis);
        }
    }

    /**
     * The signal's average over [{@code fromMillis}, {@code nowMillis}], or NaN when the pod has not been read
     * recently (a stale value must be left out, never reported) or nothing covers that span yet.
     */
    public synchronized double average(Signal signal, long fromMillis, long nowMillis) {
        if (!fresh(nowMillis)) {
            return Double.NaN;
        }
        return (signal == Signal.CONCURRENCY ? concurrency : rps).average(fromMillis, nowMillis);
    }

    /**
     * The signal's average over the observations that began at or after {@code sinceMillis}, or NaN; see
     * {@link SignalWindow#averageSince}.
     */
    public synchronized double averageSince(Signal signal, long sinceMillis, long nowMillis) {
        if (!fresh(nowMillis)) {
            return Double.NaN;
        }
        return (signal == Signal.CONCURRENCY ? concurrency : rps).averageSince(sinceMillis, nowMillis);
    }

    /** The signal over ({@code fromMillis}, {@code toMillis}] in {@code buckets} spans, for the status page. */
    public synchronized double[] buckets(Signal signal, long fromMillis, long toMillis, int buckets) {
        return (signal == Signal.CONCURRENCY ? concurrency : rps).buckets(fromMillis, toMillis, buckets);
    }

    public synchronized boolean fresh(long nowMillis) {
        return lastReadAt != Long.MIN_VALUE && nowMillis - lastReadAt <= staleAfterMillis;
    }

    /** Since when the pod has been read without a break longer than the staleness limit. */
    public synchronized long observedSince() {
        return observedSince;
    }

    public synchronized long lastReadAt() {
        return lastReadAt;
    }

    /** The recipe that read the latest page. */
    public synchronized String source() {
        return source;
    }
}
