package dev.hpa.adapter.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What authentication and authorization cost an API request when the answers are cached, as they are for the
 * HPA's request every 15 s: a SubjectAccessReview cache hit, the same with the request line parsed first, and a
 * TokenReview cache hit (dominated by the token's SHA-256). The client is a stub that answers the first review of
 * each kind, during setup; the measured calls never reach it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Benchmark)
public class ReviewCacheBenchmark {

    private static final String RAW_PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/team-a/pods/%2A/concurrency"
            + "?labelSelector=serving.kserve.io%2Finferenceservice%3Dllama";
    /** A service-account token's typical length (a signed JWT). */
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6Ik".repeat(30);

    private AccessReviewer accessReviewer;
    private TokenReviewer tokenReviewer;
    private Caller hpa;
    private RequestAttributes pods;

    @Setup
    public void warmCaches() {
        KubernetesClient client = stubClient();
        Duration hour = Duration.ofHours(1); // nothing expires during the run
        accessReviewer = new AccessReviewer(client, hour, hour, Clock.systemUTC());
        tokenReviewer = new TokenReviewer(client, hour, Clock.systemUTC());
        hpa = tokenReviewer.review(TOKEN).orElseThrow();
        pods = RequestAttributes.of("GET", RAW_PATH);
        if (!accessReviewer.review(hpa, pods).allowed()) {
            throw new IllegalStateException("the stub allows everything");
        }
    }

    /** The SubjectAccessReview cache hit alone, for a caller and attributes already in hand. */
    @Benchmark
    public AccessReviewer.Decision accessCacheHit() {
        return accessReviewer.review(hpa, pods);
    }

    /** The request line parsed (percent-decoding the path), then the cache hit: the per-request authz cost. */
    @Benchmark
    public AccessReviewer.Decision parseAndAccessCacheHit() {
        return accessReviewer.review(hpa, RequestAttributes.of("GET", RAW_PATH));
    }

    /** The TokenReview cache hit: SHA-256 of the token, then one lookup. */
    @Benchmark
    public Object tokenCacheHit() {
        return tokenReviewer.review(TOKEN);
    }

    /** A KubernetesClient that knows only the two review calls, and allows and authenticates everything. */
    private static KubernetesClient stubClient() {
        return (KubernetesClient) stub(KubernetesClient.class);
    }

    private static Object stub(Class<?> type) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().equals("create") && args[0] instanceof TokenReview) {
                return authenticatedHpa();
            }
            if (method.getName().equals("create") && args[0] instanceof SubjectAccessReview) {
                return new SubjectAccessReviewBuilder().withNewStatus().withAllowed(true).endStatus().build();
            }
            if (method.getReturnType().isInterface()) {
                return stub(method.getReturnType()); // authentication().v1().tokenReviews() and the like
            }
            throw new UnsupportedOperationException(method.toString());
        });
    }

    private static TokenReview authenticatedHpa() {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(true).withNewUser()
                .withUsername("system:serviceaccount:kube-system:horizontal-pod-autoscaler").withUid("uid-1")
                .withGroups(List.of("system:serviceaccounts", "system:serviceaccounts:kube-system"))
                .withExtra(Map.of("authentication.kubernetes.io/credential-id", List.of("JTI=abc")))
                .endUser().endStatus().build();
    }
}
