package dev.hpa.adapter.testing;

import java.util.Arrays;

/**
 * The exact in-flight step function of one server: every change of the in-flight count with its
 * {@link System#nanoTime()} instant, so any window's time-weighted average can be answered exactly.
 * Not thread-safe; {@link Ledger} guards it.
 */
final class InFlightHistory {
    private long[] times = new long[1024];
    private int[] levels = new int[1024];
    /** integrals[i] = ∫ in-flight dt (request·ns) from the first entry up to times[i]; a prefix sum keeps queries O(log n). */
    private long[] integrals = new long[1024];
    private int size;

    InFlightHistory(long startNanos) {
        append(startNanos, 0, 0);
    }

    /** Records that in-flight became {@code level} at {@code nanos} (not before the previous change). */
    void change(long nanos, int level) {
        int last = size - 1;
        append(nanos, level, integralAt(last, nanos));
    }

    int current() {
        return levels[size - 1];
    }

    /** ∫ in-flight dt over [from, to] in request·nanoseconds; in-flight is 0 before the server started. */
    long integral(long fromNanos, long toNanos) {
        return integralUpTo(toNanos) - integralUpTo(fromNanos);
    }

    /** {min, max} of the in-flight levels held at some instant of [from, to]. */
    int[] range(long fromNanos, long toNanos) {
        int first = Math.max(0, lastChangeAtOrBefore(fromNanos));
        int min = levels[first];
        int max = levels[first];
        for (int i = first + 1; i < size && times[i] <= toNanos; i++) {
            min = Math.min(min, levels[i]);
            max = Math.max(max, levels[i]);
        }
        return new int[] {min, max};
    }

    private long integralUpTo(long nanos) {
        int i = lastChangeAtOrBefore(nanos);
        return i < 0 ? 0 : integralAt(i, nanos);
    }

    private long integralAt(int i, long nanos) {
        return integrals[i] + levels[i] * (nanos - times[i]);
    }

    private int lastChangeAtOrBefore(long nanos) {
        int i = Arrays.binarySearch(times, 0, size, nanos);
        if (i < 0) {
            return -i - 2; // insertion point − 1
        }
        while (i + 1 < size && times[i + 1] == nanos) {
            i++; // several changes in one nanosecond: the last one holds from here on
        }
        return i;
    }

    private void append(long nanos, int level, long integral) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            levels = Arrays.copyOf(levels, size * 2);
            integrals = Arrays.copyOf(integrals, size * 2);
        }
        times[size] = nanos;
        levels[size] = level;
        integrals[size] = integral;
        size++;
    }
}
