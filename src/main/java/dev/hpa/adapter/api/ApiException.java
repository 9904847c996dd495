package dev.hpa.adapter.api;

/** A failure the caller can act on; {@link StatusMapper} renders it as a Kubernetes Status. */
public final class ApiException extends RuntimeException {

    private final int code;
    private final String reason;

    public ApiException(int code, String reason, String message) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** CMA's wording, which the HPA's events quote: "the server could not find the metric x for pods". */
    static ApiException metricNotFound(String metric, String resource) {
        return new ApiException(404, "NotFound", "the server could not find the metric " + metric + " for "
                + resource);
    }

    static ApiException noValue(String metric, String why) {
        return new ApiException(404, "NotFound", "the server could not find the metric " + metric + ": " + why);
    }

    static ApiException notFound() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }
}
