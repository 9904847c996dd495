package dev.hpa.adapter.auth;

import dev.hpa.adapter.config.AdapterConfig;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;

/**
 * The management port's /metrics, authorized as kube's components serve theirs: a bearer token (TokenReview),
 * or anonymous without one, and then {@code get} on the non-resource URL {@code /metrics} (SubjectAccessReview).
 * The health endpoints under /q/health stay open: the kubelet probes without credentials.
 * {@code adapter.self-metrics.unauthenticated=true} turns the check off.
 */
@ApplicationScoped
public class SelfMetricsGuard {

    /** Before Micrometer's handler, whatever order the extensions add their routes in. */
    private static final int ORDER = -10_000;
    static final String OPEN_PREFIX = "/q/health";

    private final AuthFilter auth;
    private final boolean unauthenticated;

    public SelfMetricsGuard(AuthFilter auth, AdapterConfig config) {
        this.auth = auth;
        this.unauthenticated = config.selfMetrics().unauthenticated();
    }

    void register(@Observes ManagementInterface management) {
        if (!unauthenticated) {
            management.router().route().order(ORDER).handler(this::guard);
        }
    }

    void guard(RoutingContext rc) {
        // The path the router matches on (dot segments and escapes resolved), so "/q/health/../metrics" is /metrics.
        String path = rc.normalizedPath();
        if (path.equals(OPEN_PREFIX) || path.startsWith(OPEN_PREFIX + "/")) {
            rc.next();
            return;
        }
        // Every other path on this port is decided as a path, as kube-apiserver decides /metrics.
        auth.authorizeBearer(rc, AuthFilter.bearerToken(rc.request()),
                RequestAttributes.nonResource(rc.request().method().name().toLowerCase(Locale.ROOT), path));
    }
}
