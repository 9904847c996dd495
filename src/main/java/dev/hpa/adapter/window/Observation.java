package dev.hpa.adapter.window;

/**
 * What one scrape says about one signal: either its level (an in-flight gauge, or queue-proxy's average over the
 * last second) or a running total whose rate is the signal (busy seconds give concurrency by Little's law,
 * requests give the request rate).
 */
public record Observation(Kind kind, double value) {

    public enum Kind { LEVEL, TOTAL }

    public static Observation level(double value) {
        return new Observation(Kind.LEVEL, value);
    }

    public static Observation total(double value) {
        return new Observation(Kind.TOTAL, value);
    }
}
