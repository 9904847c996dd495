package dev.hpa.adapter.auth;

/**
 * A bearer token could not be checked because the TokenReview call to kube-apiserver failed (refused, timed out,
 * forbidden). The caller is neither authenticated nor rejected: answer 503 and do not cache.
 */
public class AuthenticationUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuthenticationUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
