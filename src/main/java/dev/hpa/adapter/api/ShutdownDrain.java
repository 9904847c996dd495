package dev.hpa.adapter.api;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Moves callers to another replica during the shutdown delay (README "Deploying", the shutdown sequence).
 * kube-apiserver reaches the adapter over a few long-lived HTTP/2 connections, and a connection stays with the pod
 * it was opened to even after the pod left the Service's endpoints: only the server can end it. So when the delay
 * starts, every HTTP/2 connection gets a GOAWAY (its streams in flight finish, the caller opens a new connection for
 * the next request, and the Service sends that one to a ready replica), and until the delay is over every answer
 * also ends its connection that way: a connection opened while the endpoints still converge, or an HTTP/1.1 one
 * ({@code Connection: close}). When the delay is over, no caller is left to meet the 503s of the drain.
 */
@ApplicationScoped
public class ShutdownDrain {

    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);
    /** Before everything else on the route: a 401 or 403 moves its caller along too. */
    private static final int PRIORITY = 2000;

    private final long drainMillis;
    /**
     * Open HTTP/2 connections, so the delay can reach idle ones too, each with whether it was sent its GOAWAY; weak,
     * so a closed connection is not kept.
     */
    private final Map<HttpConnection, Boolean> http2 = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile boolean draining;

    public ShutdownDrain(@ConfigProperty(name = "quarkus.shutdown.timeout") Optional<Duration> timeout) {
        this.drainMillis = timeout.orElse(Duration.ofSeconds(10)).toMillis();
    }

    void register(@Observes Filters filters) {
        filters.register(this::filter, PRIORITY);
    }

    void shutdownDelayStarted(@Observes ShutdownDelayInitiatedEvent event) {
        draining = true;
        List<HttpConnection> open = new ArrayList<>();
        synchronized (http2) {
            http2.replaceAll((connection, goneAway) -> {
                if (!goneAway) {
                    open.add(connection);
                }
                return true;
            });
        }
        open.forEach(this::goAway);
        LOG.infof("Shutting down: readiness fails; requests are still served during the shutdown delay, and %d open"
                + " HTTP/2 connections were asked to go elsewhere", open.size());
    }

    void filter(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        if (request.version() == HttpVersion.HTTP_2) {
            HttpConnection connection = request.connection();
            if (!draining) {
                http2.putIfAbsent(connection, false);
            } else if (!Boolean.TRUE.equals(http2.put(connection, true))) {
                goAway(connection); // opened during the delay: once is enough
            }
        } else if (draining) {
            rc.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        rc.next();
    }

    /** GOAWAY now, close once the streams in flight have finished (at most the drain time later). */
    private void goAway(HttpConnection connection) {
        connection.shutdown(drainMillis, TimeUnit.MILLISECONDS);
    }
}
