package dev.hpa.adapter.window;

/**
 * What one scrape says about one signal: either its level (an in-flight gauge, or queue-proxy's average over the
 * last second) or a running total whose rate is the signal (busy seconds give concurrency by Little's law,
 * requests give the request rate).
 */
public record Observation(Kind kind, double value) {

    /**
     * The largest value a load signal may have: 2^53, past which a float64 no longer counts by ones. No real
     * counter or gauge gets there; a page that says more is broken, and a served value up to it still fits a
     * Kubernetes Quantity's milli-units in an int64.
     */
    public static final double MAX_VALUE = 0x1p53;

    /** Whether {@code value} can be a load: a finite number from 0 to {@link #MAX_VALUE}. */
    public static boolean plausible(double value) {
        return value >= 0 && value <= MAX_VALUE; // false for NaN too
    }

    public enum Kind { LEVEL, TOTAL }

    public static Observation level(double value) {
        return new Observation(Kind.LEVEL, value);
    }

    public static Observation total(double value) {
        return new Observation(Kind.TOTAL, value);
    }
}
