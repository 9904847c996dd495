package dev.hpa.adapter.prometheus;

/** A query that got no usable answer; {@code outcome} tags the self-metrics, the message says what happened. */
final class QueryFailure extends RuntimeException {

    enum Outcome {
        TIMEOUT, CONNECT_ERROR, CREDENTIALS, HTTP_ERROR, BAD_ANSWER, TOO_LARGE;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Outcome outcome;

    QueryFailure(Outcome outcome, String message) {
        super(message, null, false, false);
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
