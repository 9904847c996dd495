package dev.hpa.adapter.tls;

/** A serving certificate or key that cannot be used; the message names the file and the problem. */
public final class ServingCertificateException extends RuntimeException {

    ServingCertificateException(String message) {
        super(message);
    }

    ServingCertificateException(String message, Throwable cause) {
        super(message, cause);
    }
}
