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
    private long lastReadAt = Long.MIN_VALUE;
    private long observedSince = Long.MIN_VALUE;
    private String source;
    private String problem;

    PodSeries(int capacity, long intervalMillis, long staleAfterMillis) {
        this.concurrency = new SignalWindow(capacity);
        this.rps = new SignalWindow(capacity);
        this.intervalMillis = intervalMillis;
        this.staleAfterMillis = staleAfterMillis;
    }

    synchronized void record(Reading reading) {
        long at = reading.atMillis();
        boolean continuous = lastReadAt != Long.MIN_VALUE && at - lastReadAt <= staleAfterMillis;
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
        source = reading.source();
        problem = null;
    }

    /** Notes why the latest scrape failed; earlier samples stay, and age out on their own. */
    synchronized void fail(String why) {
        problem = why;
    }

    /** Why the latest scrape failed, or null when it succeeded. */
    public synchronized String problem() {
        return problem;
    }

    private void add(SignalWindow window, Observation observation, long levelFrom, long at) {
        if (observation == null || !Double.isFinite(observation.value())) {
            return; // NaN or Inf on a page must never reach the HPA
        }
        switch (observation.kind()) {
            case LEVEL -> window.addLevel(levelFrom, at, observation.value());
            case TOTAL -> window.addTotal(at, observation.value(), staleAfterMillis);
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
