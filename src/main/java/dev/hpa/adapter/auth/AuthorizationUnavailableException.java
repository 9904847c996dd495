package dev.hpa.adapter.auth;

/**
 * A request could not be authorized because the SubjectAccessReview call to kube-apiserver failed (refused, timed
 * out, forbidden). Neither allowed nor denied: answer 503 and do not cache.
 */
public class AuthorizationUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuthorizationUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
