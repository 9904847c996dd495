package dev.hpa.adapter.scrape;

import java.util.Map;

/**
 * One sample of a metrics page: {@code name{labels} value [timestamp]}.
 *
 * @param name            the sample name as written on the page ({@code foo_total}, {@code vllm:num_requests_running})
 * @param labels          label names to values, in page order; empty when the sample has none
 * @param value           the value; may be NaN or ±Inf as the page says (callers decide what to do with them)
 * @param timestampMillis the sample's own timestamp in milliseconds since the epoch, or {@link #NO_TIMESTAMP}
 */
public record Sample(String name, Map<String, String> labels, double value, long timestampMillis) {
    /** Marks a sample that carried no timestamp. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;
}
