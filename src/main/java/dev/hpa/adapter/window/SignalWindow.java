package dev.hpa.adapter.window;

import java.util.Arrays;

/**
 * One signal of one pod over the last stable window, in one-second buckets like the KPA's. Each bucket holds the
 * time integral of the signal and the seconds it covers, so an average is exact over the part of a window that
 * was observed, and a missed scrape shrinks the observed part instead of counting as zero. Not thread-safe:
 * {@link PodSeries} guards it.
 */
final class SignalWindow {

    private static final long EMPTY = Long.MIN_VALUE;

    private final long[] second;     // the epoch second each slot holds, or EMPTY
    private final double[] integral; // Σ value × seconds within that second
    private final double[] covered;  // seconds of that second that observations cover, ≤ 1
    private double lastTotal = Double.NaN;
    private long lastTotalAt;

    SignalWindow(int seconds) {
        second = new long[seconds];
        integral = new double[seconds];
        covered = new double[seconds];
        Arrays.fill(second, EMPTY);
    }

    /** Records that the signal averaged {@code value} over ({@code fromMillis}, {@code toMillis}]. */
    void addLevel(long fromMillis, long toMillis, double value) {
        long from = Math.max(fromMillis, toMillis - second.length * 1000L);
        while (from < toMillis) {
            long sec = Math.floorDiv(from, 1000);
            long end = Math.min(toMillis, (sec + 1) * 1000);
            double seconds = (end - from) / 1000.0;
            int slot = slot(sec);
            integral[slot] += value * seconds;
            covered[slot] += seconds;
            from = end;
        }
    }

    /**
     * Records a running total. Its rate since the previous total becomes a level over that interval. A total that
     * went down means the server restarted: the interval is dropped and counting starts again from this sample,
     * instead of a negative rate. So is an interval longer than {@code maxGapMillis}, which would smear a burst
     * over a time we did not observe.
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
        addLevel(previousAt, atMillis, rate);
    }

    /** Forgets the running total, e.g. after the pod was away long enough that the next delta means nothing. */
    void resetTotal() {
        lastTotal = Double.NaN;
    }

    /**
     * The time-weighted average over the seconds in [{@code fromMillis}, {@code nowMillis}], at bucket precision,
     * or NaN when no observation covers them.
     */
    double average(long fromMillis, long nowMillis) {
        long first = Math.floorDiv(fromMillis, 1000);
        long last = Math.floorDiv(nowMillis, 1000);
        double sum = 0;
        double seconds = 0;
        for (int i = 0; i < second.length; i++) {
            long sec = second[i];
            if (sec != EMPTY && sec >= first && sec <= last) {
                sum += integral[i];
                seconds += covered[i];
            }
        }
        return seconds > 0 ? sum / seconds : Double.NaN;
    }

    private int slot(long sec) {
        int slot = (int) Math.floorMod(sec, (long) second.length);
        if (second[slot] != sec) {
            second[slot] = sec;
            integral[slot] = 0;
            covered[slot] = 0;
        }
        return slot;
    }
}
