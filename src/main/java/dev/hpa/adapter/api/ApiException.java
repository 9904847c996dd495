package dev.hpa.adapter.api;

/** A failure the caller can act on; {@link StatusMapper} renders it as a Kubernetes Status. */
public final class ApiException extends RuntimeException {

    private final int code;
    private final String reason;
    private final KubeJson.Details details;

    public ApiException(int code, String reason, String message) {
        this(code, reason, message, null);
    }

    /** @param details the object the error is about, or null */
    public ApiException(int code, String reason, String message, KubeJson.Details details) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public KubeJson.Details details() {
        return details;
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
