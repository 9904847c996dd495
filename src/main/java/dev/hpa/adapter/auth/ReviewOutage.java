package dev.hpa.adapter.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Whether one kind of review (TokenReview or SubjectAccessReview) can currently be made. While kube-apiserver does
 * not answer, every request that needs a review fails, maybe hundreds a second: the operator gets one warning when
 * the reviews start failing and one line when they work again, and the state as a self-metric
 * ({@code adapter_auth_review_unavailable{review}} 0 or 1, {@code adapter_auth_reviews_total{review,outcome}}).
 */
final class ReviewOutage {

    private static final Logger LOG = Logger.getLogger(ReviewOutage.class);

    private final String review;
    /** The failure being reported, or null while reviews work. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Counter successes;
    private final Counter errors;

    ReviewOutage(String review, MeterRegistry registry) {
        this.review = review;
        this.successes = reviews(registry, review, "success");
        this.errors = reviews(registry, review, "error");
        // A gauge reads the object it was first registered with: one left by an earlier instance on the same
        // registry (a restarted application in one JVM, as tests do) would hide this one.
        registry.find("adapter.auth.review.unavailable").tag("review", review).meters().forEach(registry::remove);
        Gauge.builder("adapter.auth.review.unavailable", failure, f -> f.get() == null ? 0 : 1)
                .description("1 while reviews of this kind fail, so callers needing one get 503")
                .tag("review", review).register(registry);
    }

    private static Counter reviews(MeterRegistry registry, String review, String outcome) {
        return Counter.builder("adapter.auth.reviews").description("Reviews asked of kube-apiserver, by outcome")
                .tag("review", review).tag("outcome", outcome).register(registry);
    }

    /** A review was answered (allowed or not). */
    void answered() {
        successes.increment();
        String was = failure.getAndSet(null);
        if (was != null) {
            LOG.infof("%s works again; requests that need one are answered again", review);
        }
    }

    /** A review could not be made: {@code message} says why and what to check. */
    void failed(String message) {
        errors.increment();
        String was = failure.getAndSet(message);
        if (was == null) {
            LOG.warnf("%s; requests that need one get 503 ServiceUnavailable until it works again", message);
        }
    }
}
