package dev.hpa.adapter.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Metav1.Status answers for what the HTTP layer refuses before any resource is chosen: a path or query that
 * does not percent-decode, framing Vert.x will not route, a declared body over
 * {@code quarkus.http.limits.max-body-size}. Left to themselves these leave with an empty body, which kubectl
 * shows as a bare code and kube-apiserver logs as "an error that is not a metav1.Status". What the decoder cannot
 * read at all (a request line or headers over the limits, an unknown protocol version) never gets this far; see
 * README "Limits and shutdown".
 */
@ApplicationScoped
public class HttpLayerErrors {

    private static final Logger LOG = Logger.getLogger(HttpLayerErrors.class);
    /** Before Quarkus's own body-size check (a route of order -2) and before authentication. */
    private static final int PRIORITY = 3000;

    private final long maxBodyBytes;

    public HttpLayerErrors(
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.maxBodyBytes = maxBodySize.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    void register(@Observes Filters filters) {
        filters.register(this::checkBodySize, PRIORITY);
    }

    void install(@Observes Router router) {
        for (int code = 400; code < 600; code++) {
            router.errorHandler(code, this::failed);
        }
    }

    /** As Quarkus's check, which answers with no body: the connection is closed, its body is never read. */
    void checkBodySize(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
            rc.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            write(rc, 413, "the request body of " + length + " bytes is over the limit of " + maxBodyBytes
                    + " bytes; nothing on this API takes a body");
            return;
        }
        rc.next();
    }

    private boolean tooLong(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBodyBytes;
        } catch (NumberFormatException notANumber) {
            return false; // the decoder refuses these itself
        }
    }

    void failed(RoutingContext rc) {
        int code = rc.statusCode();
        String cause = rc.failure() == null || rc.failure().getMessage() == null ? "" : ": " + rc.failure().getMessage();
        if (code >= 500) {
            LOG.error("Unexpected error answering a request", rc.failure());
            write(rc, code, "Internal error occurred" + cause);
        } else {
            write(rc, code, (code == 400 ? "the request could not be read" : "the request was refused") + cause);
        }
    }

    private static void write(RoutingContext rc, int code, String message) {
        if (rc.response().headWritten()) {
            return;
        }
        Response.Status status = Response.Status.fromStatusCode(code);
        String reason = status == null ? "Unknown" : status.getReasonPhrase().replace(" ", "");
        rc.response().setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, KubeJson.JSON)
                .end(Buffer.buffer(KubeJson.statusBody(code, reason, message, null)));
    }
}
