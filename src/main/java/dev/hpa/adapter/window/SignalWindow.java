package dev.hpa.adapter.window;

/**
 * One signal of one pod over the last stable window: the observations themselves, each an average over the
 * exact span it covers, in a ring sized to the window. Averages are time-weighted over the part of a window that
 * was observed, so a missed scrape shrinks the observed part instead of counting as zero; and because spans are
 * kept exactly, an answer can leave out everything from before a given moment (see {@link #averageSince}).
 * Not thread-safe: {@link PodSeries} guards it.
 */
final class SignalWindow {

    private final long[] from;    // start of each observation's span, exclusive (ms)
    private final long[] to;      // end of its span, inclusive (ms); ascending in ring order
    private final double[] value; // the signal's average over the span
    private int next;
    private int size;
    private double lastTotal = Double.NaN;
    private long lastTotalAt;

    SignalWindow(int capacity) {
        from = new long[capacity];
        to = new long[capacity];
        value = new double[capacity];
    }

    /**
     * Records that the signal averaged {@code level} over ({@code fromMillis}, {@code toMillis}]. A span ending no
     * later than the newest one (a clock stepped back) is dropped, so that spans always end in ascending ring order,
     * which the averages rely on to stop early.
     */
    void addLevel(long fromMillis, long toMillis, double level) {
        if (toMillis <= fromMillis || (size > 0 && toMillis <= newestEnd())) {
            return;
        }
        from[next] = fromMillis;
        to[next] = toMillis;
        value[next] = level;
        next = (next + 1) % from.length;
        size = Math.min(size + 1, from.length);
    }

    /**
     * Records a running total. Its rate since the previous total becomes a level over that interval. A total that
     * went down means the server restarted: the interval is dropped and counting starts again from this sample,
     * instead of a negative rate. So is an interval longer than {@code maxGapMillis}, which would smear a burst
     * over a time we did not observe, and one whose rate is beyond any load ({@link Observation#MAX_VALUE}): a
     * counter replaced by a bigger one.
     */
    void addTotal(long atMillis, double total, long maxGapMillis) {
        double previous = lastTotal;
        long previousAt = lastTotalAt;
        lastTotal = total;
        lastTotalAt = atMillis;
        if (Double.isNaN(previous) || total < previous || atMillis <= previousAt
                || atMillis - previousAt > maxGapMillis) {
            return;
        }
        double rate = (total - previous) / ((atMillis - previousAt) / 1000.0);
        if (Observation.plausible(rate)) {
            addLevel(previousAt, atMillis, rate);
        }
    }

    /** Forgets the running total, e.g. after the pod was away long enough that the next delta means nothing. */
    void resetTotal() {
        lastTotal = Double.NaN;
    }

    /**
     * The time-weighted average over ({@code fromMillis}, {@code nowMillis}], an observation straddling
     * {@code fromMillis} counting for its part inside; NaN when nothing covers that span.
     */
    double average(long fromMillis, long nowMillis) {
        double integral = 0;
        long covered = 0;
        // Newest first: spans end in ascending ring order, so the first one that ends by fromMillis ends the
        // search. A 6 s burst window reads its last 6 of the 60 observations a stable window keeps.
        for (int k = size - 1; k >= 0; k--) {
            int i = index(k);
            if (to[i] <= fromMillis) {
                break;
            }
            long start = Math.max(from[i], fromMillis);
            long end = Math.min(to[i], nowMillis);
            if (end > start) {
                integral += value[i] * (end - start);
                covered += end - start;
            }
        }
        return covered > 0 ? integral / covered : Double.NaN;
    }

    /**
     * The time-weighted average of the observations that began at or after {@code sinceMillis}; NaN when there
     * are none yet. An observation straddling that moment is left out whole: it is an average, so the part of it
     * after the moment still carries the level from before.
     */
    double averageSince(long sinceMillis, long nowMillis) {
        double integral = 0;
        long covered = 0;
        for (int k = size - 1; k >= 0; k--) {
            int i = index(k);
            if (to[i] <= sinceMillis) {
                break; // and so do all older ones: none began at or after sinceMillis
            }
            if (from[i] >= sinceMillis && to[i] <= nowMillis) {
                integral += value[i] * (to[i] - from[i]);
                covered += to[i] - from[i];
            }
        }
        return covered > 0 ? integral / covered : Double.NaN;
    }

    /**
     * The time-weighted average of each of {@code buckets} equal spans ending at {@code toMillis}, oldest first;
     * NaN for a span nothing covers. What a chart draws: the observations as kept, no freshness rule.
     */
    double[] buckets(long fromMillis, long toMillis, int buckets) {
        double[] averages = new double[buckets];
        double width = (double) (toMillis - fromMillis) / buckets;
        for (int b = 0; b < buckets; b++) {
            averages[b] = average(fromMillis + Math.round(b * width), fromMillis + Math.round((b + 1) * width));
        }
        return averages;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The end of the newest observation's span; only when not {@link #isEmpty()}. */
    long newestEnd() {
        return to[index(size - 1)];
    }

    /** The start of the oldest observation's span still kept; only when not {@link #isEmpty()}. */
    long oldestStart() {
        return from[index(0)];
    }

    /** The k-th observation from the oldest. */
    private int index(int k) {
        return Math.floorMod(next - size + k, from.length);
    }
}
