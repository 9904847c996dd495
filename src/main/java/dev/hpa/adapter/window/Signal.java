package dev.hpa.adapter.window;

/** A load signal kept per pod. */
public enum Signal {
    /** Requests in flight, averaged over time. */
    CONCURRENCY,
    /** Requests arriving per second. */
    RPS
}
