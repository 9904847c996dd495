package dev.hpa.adapter.auth;

import dev.hpa.adapter.api.KubeJson;
import dev.hpa.adapter.config.AdapterConfig;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jboss.logging.Logger;

/**
 * Every request on the API port, before it is routed: who is calling (front-proxy certificate and X-Remote-*
 * headers, a client certificate, or a bearer token through TokenReview; anonymous otherwise) and may they do
 * this (SubjectAccessReview, with the attributes kube-apiserver computes). Answers 401/403 as kube-apiserver
 * words them. The probes are always allowed, as kube-apiserver's --authorization-always-allow-paths.
 */
@ApplicationScoped
public class AuthFilter {

    private static final Logger LOG = Logger.getLogger(AuthFilter.class);
    static final Set<String> ALWAYS_ALLOWED = Set.of("/healthz", "/livez", "/readyz");
    /** Before the HTTP metrics and the REST layer; Quarkus runs filters of higher priority first. */
    private static final int PRIORITY = 1000;
    private static final String SESSION_VERIFICATION = AuthFilter.class.getName() + ".verification";
    private static final Duration SESSION_VERIFICATION_TTL = Duration.ofMinutes(1);

    private final AuthenticationSource source;
    private final KubernetesClient reviewClient;
    private final TokenReviewer tokens;
    private final AccessReviewer access;
    private final ReviewOutage tokenReviews;
    private final ReviewOutage accessReviews;
    private final Vertx vertx;
    private final Clock clock;

    public AuthFilter(AuthenticationSource source, KubernetesClient client, AdapterConfig config, Clock clock,
            Vertx vertx, MeterRegistry registry) {
        this.source = source;
        this.vertx = vertx;
        this.clock = clock;
        // Reviews sit in the request path: no retries with back-off, and a timeout well under the aggregator's.
        this.reviewClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).withRequestTimeout(5_000).build()).build();
        this.tokens = new TokenReviewer(reviewClient, config.authentication().tokenCacheTtl(), clock);
        Duration ttl = config.authorization().cacheTtl();
        this.access = new AccessReviewer(reviewClient, ttl, ttl, clock);
        this.tokenReviews = new ReviewOutage("TokenReview", registry);
        this.accessReviews = new ReviewOutage("SubjectAccessReview", registry);
    }

    void register(@Observes Filters filters) {
        filters.register(this::filter, PRIORITY);
    }

    void close(@Observes ShutdownEvent event) {
        reviewClient.close();
    }

    void filter(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        CertificateAuthenticator authenticator = source.authenticator();
        CertificateAuthenticator.Result certificate = authenticator.authenticate(
                verification(request.sslSession(), authenticator), request.headers()::getAll,
                request.headers().names());
        if (certificate.outcome() != CertificateAuthenticator.Outcome.FRONT_PROXY) {
            // Identity headers count only from the front proxy; from anyone else they are dropped, never trusted.
            stripIdentityHeaders(request, authenticator.settings());
        }
        if (ALWAYS_ALLOWED.contains(request.path())) {
            rc.next();
            return;
        }
        String token = bearerToken(request);
        if (certificate.outcome() == CertificateAuthenticator.Outcome.REJECTED && token == null) {
            unauthorized(rc, certificate.reason());
            return;
        }
        RequestAttributes attributes;
        try {
            attributes = RequestAttributes.of(request.method().name(), request.uri());
        } catch (IllegalArgumentException e) {
            status(rc, 400, "BadRequest", e.getMessage(), null);
            return;
        }
        // As kube-apiserver's union of authenticators: a certificate that does not verify still lets a valid
        // bearer token through, and only then is the request anonymous.
        Optional<Caller> caller = certificate.authenticatedCaller();
        if (caller.isPresent()) {
            authorize(rc, caller.get(), attributes);
        } else {
            authorizeBearer(rc, token, attributes);
        }
    }

    /**
     * The bearer token's user (a TokenReview; 401 when it authenticates nobody), anonymous without a token, then
     * authorized. Also guards the management port's /metrics ({@link SelfMetricsGuard}), which takes no
     * certificates.
     */
    void authorizeBearer(RoutingContext rc, String token, RequestAttributes attributes) {
        if (token == null) {
            authorize(rc, Caller.ANONYMOUS, attributes);
            return;
        }
        // A token seen within its TTL is answered here: the hop to a worker thread and back cost more than the
        // whole answer (a third of the CPU under load, most of it waking threads).
        Optional<Optional<Caller>> known = tokens.known(token);
        if (known.isPresent()) {
            authenticated(rc, known.get(), attributes);
            return;
        }
        vertx.executeBlocking(() -> tokens.review(token), false).onComplete(reviewed -> {
            if (reviewed.failed()) {
                // Neither authenticated nor rejected: say so, rather than a 401 that reads as a bad token.
                unavailable(rc, tokenReviews, "cannot authenticate the request's bearer token", reviewed.cause());
                return;
            }
            tokenReviews.answered();
            authenticated(rc, reviewed.result(), attributes);
        });
    }

    private void authenticated(RoutingContext rc, Optional<Caller> caller, RequestAttributes attributes) {
        if (caller.isEmpty()) {
            unauthorized(rc, "the token was not accepted by TokenReview");
        } else {
            authorize(rc, caller.get(), attributes);
        }
    }

    private void authorize(RoutingContext rc, Caller caller, RequestAttributes attributes) {
        // The HPA asks the same question every sync: nearly always a cache hit, answered on the event loop.
        Optional<AccessReviewer.Decision> known = access.known(caller, attributes);
        if (known.isPresent()) {
            decide(rc, caller, attributes, known.get());
            return;
        }
        vertx.executeBlocking(() -> access.review(caller, attributes), false).onComplete(reviewed -> {
            if (reviewed.failed()) {
                unavailable(rc, accessReviews, "cannot authorize the request", reviewed.cause());
            } else {
                accessReviews.answered();
                decide(rc, caller, attributes, reviewed.result());
            }
        });
    }

    private static void decide(RoutingContext rc, Caller caller, RequestAttributes attributes,
            AccessReviewer.Decision decision) {
        if (decision.allowed()) {
            rc.next();
            return;
        }
        ForbiddenMessages.StatusDetails details = ForbiddenMessages.details(attributes);
        status(rc, 403, "Forbidden", ForbiddenMessages.message(caller, attributes, decision.reason()),
                details.isEmpty() ? null : new KubeJson.Details(details.name(), details.group(), details.kind()));
    }

    /**
     * A review kube-apiserver did not answer: 503, whose message names the review that failed and what to check,
     * logged once per outage rather than once per request.
     */
    private static void unavailable(RoutingContext rc, ReviewOutage outage, String what, Throwable cause) {
        String message = "the adapter " + what + ": " + cause.getMessage();
        outage.failed(message);
        status(rc, 503, "ServiceUnavailable", message, null);
    }

    /** kube-apiserver says no more than "Unauthorized"; the reason goes to the log for the operator. */
    static void unauthorized(RoutingContext rc, String reason) {
        LOG.debugf("Unauthorized request %s %s: %s", rc.request().method(), rc.request().path(), reason);
        status(rc, 401, "Unauthorized", "Unauthorized", null);
    }

    static void status(RoutingContext rc, int code, String reason, String message, KubeJson.Details details) {
        rc.response().setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, KubeJson.JSON)
                .end(Buffer.buffer(KubeJson.statusBody(code, reason, message, details)));
    }

    /**
     * The chain's verification, kept in the TLS session: kube-apiserver sends every proxied request over a few
     * long-lived connections, and path validation is the costly part of authentication. A verification is reused
     * only with the authenticator that made it (a rotated CA makes a new one), for at most a minute, and never
     * past a certificate's expiry.
     */
    private CertificateAuthenticator.Verification verification(SSLSession session,
            CertificateAuthenticator authenticator) {
        if (session == null) {
            return CertificateAuthenticator.Verification.NONE;
        }
        Instant now = clock.instant();
        if (session.getValue(SESSION_VERIFICATION) instanceof SessionVerification kept
                && kept.authenticator() == authenticator && now.isBefore(kept.until())) {
            return kept.verification();
        }
        CertificateAuthenticator.Verification verification = authenticator.verify(peerChain(session));
        Instant until = now.plus(SESSION_VERIFICATION_TTL);
        if (verification.validUntil().isBefore(until)) {
            until = verification.validUntil();
        }
        session.putValue(SESSION_VERIFICATION, new SessionVerification(authenticator, verification, until));
        return verification;
    }

    private record SessionVerification(CertificateAuthenticator authenticator,
            CertificateAuthenticator.Verification verification, Instant until) {}

    private static X509Certificate[] peerChain(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            X509Certificate[] x509 = new X509Certificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                x509[i] = (X509Certificate) chain[i];
            }
            return x509;
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null;
        }
    }

    static String bearerToken(HttpServerRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static void stripIdentityHeaders(HttpServerRequest request, AuthenticationSettings settings) {
        settings.usernameHeaders().forEach(request.headers()::remove);
        settings.groupHeaders().forEach(request.headers()::remove);
        settings.uidHeaders().forEach(request.headers()::remove);
        List<String> extra = new ArrayList<>();
        for (String name : request.headers().names()) {
            for (String prefix : settings.extraHeaderPrefixes()) {
                if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
                    extra.add(name);
                }
            }
        }
        extra.forEach(request.headers()::remove);
    }
}
