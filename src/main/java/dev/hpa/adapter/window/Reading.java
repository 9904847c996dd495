package dev.hpa.adapter.window;

/**
 * Everything one successful scrape of a pod says.
 *
 * @param atMillis    when the page was read (wall clock, ms)
 * @param source      which recipe read it ({@code queue-proxy}, {@code torchserve}, ...): shown to users
 * @param concurrency the concurrency observation, or null when the page has none
 * @param rps         the request-rate observation, or null when the page has none
 */
public record Reading(long atMillis, String source, Observation concurrency, Observation rps) {

    Observation of(Signal signal) {
        return signal == Signal.CONCURRENCY ? concurrency : rps;
    }
}
