package dev.hpa.adapter.scrape;

/** A metrics page that cannot be read; the message says where and why, for a person to act on. */
public final class MetricsFormatException extends Exception {
    public MetricsFormatException(String message) {
        super(message, null, false, false); // thrown per bad page: no stack trace to fill
    }
}
