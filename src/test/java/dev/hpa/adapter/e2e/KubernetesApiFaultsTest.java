package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.FlakyKubernetesApi;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes API misbehaving ({@link FlakyKubernetesApi}): watches dropped over and over, every watch answered
 * 410 Gone, the API server unreachable, TokenReview and SubjectAccessReview failing. The pod set converges once
 * the API answers; meanwhile the pods already known keep being served with fresh values; a caller whose review
 * cannot be made gets a 503 that names the review, logged once per outage and shown as a self-metric; the
 * adapter never stops.
 */
@QuarkusTest
@WithTestResource(FlakyKubernetesApi.class)
@WithTestResource(ServingCertificateResource.class)
class KubernetesApiFaultsTest {

    static final String NS = "api-faults";
    static final String PODS = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS + "/pods/*/concurrency";
    /** How long the API server is cut off; {@code -Dfaults.outage-seconds=40} for the long version. */
    static final Duration OUTAGE = Duration.ofSeconds(Integer.getInteger("faults.outage-seconds", 10));
    static final AtomicInteger CALLERS = new AtomicInteger();

    TestPods pods;
    FakeModelServer server;

    @BeforeEach
    void start() {
        pods = new TestPods(FlakyKubernetesApi.client());
        server = pods.loaded(Format.VLLM, 4, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> Api.anonymous().get("/readyz").then().statusCode(200));
    }

    @AfterEach
    void stop() throws Exception {
        FlakyKubernetesApi.proxy().restore();
        FlakyKubernetesApi.watchesGone(false);
        FlakyKubernetesApi.reviewsFailing(false);
        pods.close();
    }

    @Test
    void droppedWatchesLoseNoChange() {
        pods.ready(NS, "steady", "isvc", server);
        awaitServed(Set.of("steady"), Duration.ofSeconds(10));
        List<Long> lags = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // Changes made while the watch is down are replayed by a real API server and relisted here (see
            // FlakyKubernetesApi); what this shows is that the watch comes back every time, at once.
            String name = "new-" + i;
            long dropped = dropWatch();
            pods.ready(NS, name, "isvc", server);
            awaitServed(Set.of("steady", name), Duration.ofSeconds(10));
            lags.add(dropped);
            lags.add(dropWatch());
            pods.delete(NS, name);
            awaitServed(Set.of("steady"), Duration.ofSeconds(10));
        }
        System.out.println("KubernetesApiFaultsTest: pod watch back after a drop in (ms) " + lags);
    }

    /** Resets the adapter's connections to the API server; returns the milliseconds until it watches pods again. */
    static long dropWatch() {
        int watches = FlakyKubernetesApi.podWatches();
        long dropped = System.nanoTime();
        FlakyKubernetesApi.proxy().dropConnections();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> FlakyKubernetesApi.podWatches() > watches);
        return (System.nanoTime() - dropped) / 1_000_000;
    }

    @Test
    void watchesAnsweredGoneAreReplacedByRelists() {
        pods.ready(NS, "steady", "isvc", server);
        pods.ready(NS, "doomed", "isvc", server);
        awaitServed(Set.of("steady", "doomed"), Duration.ofSeconds(10));
        int goneBefore = FlakyKubernetesApi.goneSent();
        FlakyKubernetesApi.watchesGone(true);
        FlakyKubernetesApi.proxy().dropConnections(); // the informer re-watches, and hears 410
        pods.ready(NS, "born-while-gone", "isvc", server);
        pods.delete(NS, "doomed");
        awaitServed(Set.of("steady", "born-while-gone"), Duration.ofSeconds(10));
        assertTrue(FlakyKubernetesApi.goneSent() > goneBefore, "no watch was answered 410 Gone");
        FlakyKubernetesApi.watchesGone(false);
        pods.ready(NS, "after-gone", "isvc", server);
        awaitServed(Set.of("steady", "born-while-gone", "after-gone"), Duration.ofSeconds(10));
    }

    @Test
    void whileTheApiServerIsUnreachableKnownPodsAreServedAndCallersToldWhy() {
        pods.ready(NS, "steady", "isvc", server);
        pods.ready(NS, "doomed", "isvc", server);
        awaitServed(Set.of("steady", "doomed"), Duration.ofSeconds(10));
        // Every answer in the outage is checked against the load, with no asking again: so wait until the load
        // holds its 4 requests (a spread load holds 1 just after its first answers) for a window and a scrape.
        // Served before that, the average still shows the ramp.
        pods.awaitLoadsInStepFor(TestPods.A_WINDOW_AND_A_SCRAPE);

        FlakyKubernetesApi.proxy().cut();
        pods.ready(NS, "born-in-outage", "isvc", server);
        pods.delete(NS, "doomed");
        long end = System.nanoTime() + OUTAGE.toNanos();
        int answers = 0;
        while (System.nanoTime() < end) {
            // the HPA's read, as kube-apiserver proxies it for system:masters: no review needed, still answered
            Map<String, Double> values = ConcurrencyEndToEndTest.values(Api.https().get(PODS));
            assertTrue(values.containsKey("steady") && Math.abs(values.get("steady") - 4) < 1.5,
                    "the known pod is still served with its load: " + values);
            answers++;
            sleep(250);
        }
        // Callers whose review needs kube-apiserver get a 503 that says which review failed.
        Api.anonymous().header("Authorization", "Bearer " + uniqueToken()).get(PODS).then()
                .statusCode(503).contentType("application/json").body("kind", equalTo("Status"))
                .body("reason", equalTo("ServiceUnavailable")).body("message", containsString("TokenReview failed"));
        viewer().get(PODS).then().statusCode(503).body("reason", equalTo("ServiceUnavailable"))
                .body("message", containsString("SubjectAccessReview failed"));
        assertEquals(1.0, reviewUnavailable("TokenReview"), "the outage shows as a self-metric");
        assertEquals(1.0, reviewUnavailable("SubjectAccessReview"), "the outage shows as a self-metric");

        FlakyKubernetesApi.proxy().restore();
        long restored = System.nanoTime();
        awaitServed(Set.of("steady", "born-in-outage"), Duration.ofSeconds(15));
        long lag = (System.nanoTime() - restored) / 1_000_000;
        System.out.println("KubernetesApiFaultsTest: " + OUTAGE.toSeconds() + " s outage, " + answers
                + " answers during it, the pod set converged " + lag + " ms after the API server was back");
        // informers back off at most 32 × quarkus.kubernetes-client.watch-reconnect-interval (125 ms) = 4 s
        assertTrue(lag < 7_000, "the pod set took " + lag + " ms to converge after the outage");
        Api.anonymous().header("Authorization", "Bearer " + uniqueToken()).get(PODS).then().statusCode(401);
        viewer().get(PODS).then().statusCode(200);
        assertEquals(0.0, reviewUnavailable("TokenReview"));
        assertEquals(0.0, reviewUnavailable("SubjectAccessReview"));
    }

    @Test
    void failingReviewsAnswer503NamingTheReviewAndAreLoggedOncePerOutage() {
        pods.ready(NS, "steady", "isvc", server);
        awaitServed(Set.of("steady"), Duration.ofSeconds(10));
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger outageLog = Logger.getLogger("dev.hpa.adapter.auth.ReviewOutage");
        outageLog.addHandler(capture);
        try {
            FlakyKubernetesApi.reviewsFailing(true);
            int failedBefore = FlakyKubernetesApi.reviewsFailed();
            for (int i = 0; i < 10; i++) {
                Api.anonymous().header("Authorization", "Bearer " + uniqueToken()).get(PODS).then()
                        .statusCode(503).body("kind", equalTo("Status"))
                        .body("message", containsString("TokenReview failed (HTTP 500"));
                viewer().get(PODS).then().statusCode(503)
                        .body("message", containsString("SubjectAccessReview failed (HTTP 500"));
            }
            assertEquals(20, FlakyKubernetesApi.reviewsFailed() - failedBefore, "every request asked again");
            // the HPA through the front proxy as system:masters needs no review, and is answered throughout
            assertEquals(Set.of("steady"), served());
            FlakyKubernetesApi.reviewsFailing(false);
            Api.anonymous().header("Authorization", "Bearer " + uniqueToken()).get(PODS).then().statusCode(401);
            viewer().get(PODS).then().statusCode(200);

            List<String> warnings = logged.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                    .map(LogRecord::getMessage).toList();
            assertEquals(2, warnings.size(), "one warning per kind of review, not per request: " + warnings);
            assertEquals(2, logged.size() - warnings.size(), "one line per recovery: " + logged);
        } finally {
            outageLog.removeHandler(capture);
        }
    }

    /** A token TokenReview has never seen, so no cached answer stands in for the review. */
    static String uniqueToken() {
        return "unknown-token-" + CALLERS.incrementAndGet();
    }

    /** The front proxy for a viewer never reviewed before: only a SubjectAccessReview can decide. */
    static io.restassured.specification.RequestSpecification viewer() {
        return Api.anonymous().keyStore(TestIdentities.frontProxyClientP12().toFile(), TestCertificates.PASSWORD)
                .header("X-Remote-User", "viewer-" + CALLERS.incrementAndGet()).header("X-Remote-Group", "viewers");
    }

    static Set<String> served() {
        Response response = Api.https().get(PODS);
        return response.statusCode() == 404 ? Set.of() : ConcurrencyEndToEndTest.values(response).keySet();
    }

    static void awaitServed(Set<String> expected, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertEquals(expected, served()));
    }

    /**
     * adapter_auth_review_unavailable{review}, read from the registry behind the self-metrics page: the page itself
     * is authorized by the very reviews that are failing here (503 until they recover, as kube's own /metrics).
     */
    static double reviewUnavailable(String review) {
        io.micrometer.core.instrument.Gauge gauge = io.quarkus.arc.Arc.container()
                .instance(io.micrometer.core.instrument.MeterRegistry.class).get()
                .find("adapter.auth.review.unavailable").tag("review", review).gauge();
        if (gauge == null) {
            throw new AssertionError("no adapter_auth_review_unavailable for " + review);
        }
        return gauge.value();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
