package dev.hpa.adapter.scrape;

/**
 * Why one scrape of one pod failed. A value more than an error: it is counted by reason, logged when a pod's
 * state changes, and shown to users in the message of an answer that leaves the pod out.
 */
public final class ScrapeFailure extends Exception {

    /** Reasons, as the {@code outcome} tag of {@code adapter_scrapes_total}. */
    public enum Reason {
        TIMEOUT, CONNECT_ERROR, TLS_ERROR, HTTP_ERROR, TOO_LARGE, BAD_PAGE;

        public String tag() {
            return name().toLowerCase();
        }
    }

    private final Reason reason;
    private final int httpStatus;

    public ScrapeFailure(Reason reason, String detail) {
        this(reason, detail, 0);
    }

    ScrapeFailure(Reason reason, String detail, int httpStatus) {
        super(detail, null, false, false); // expected and frequent: no stack trace
        this.reason = reason;
        this.httpStatus = httpStatus;
    }

    /** The HTTP status of an {@link Reason#HTTP_ERROR}, 0 for other reasons. */
    public int httpStatus() {
        return httpStatus;
    }

    public Reason reason() {
        return reason;
    }

    /** "timeout: no answer from 10.0.0.7:8082/metrics within 800ms" */
    @Override
    public String toString() {
        return reason.tag() + ": " + getMessage();
    }
}
