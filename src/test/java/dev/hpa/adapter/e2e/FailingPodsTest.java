package dev.hpa.adapter.e2e;

import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.values;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.TestPods;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad pods cost one failed scrape each and nothing else: a garbage page, a slow pod, a huge page, a pod that
 * drops connections, an HTTP error, a pod publishing nothing. Each is left out with a reason a person can act
 * on, while a healthy pod beside them keeps an exact value.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class FailingPodsTest {

    static final String NS = "e2e-failures";

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
        ClusterReviews.install(k8s); // the self-metrics are read with a token
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
    }

    /** A model server holding 6 requests of 100 ms. */
    FakeModelServer server(Format format) {
        return pods.loaded(format, 6, Duration.ofMillis(100));
    }

    @Test
    void eachBadPodIsLeftOutWithItsReason() {
        FakeModelServer healthy = server(Format.VLLM);
        pods.ready(NS, "healthy", "mixed", healthy);
        Map<String, Matcher<String>> expected = Map.of(
                "garbage", allOf(containsString("bad_page"), containsString("line ")),
                "slow", containsString("timeout: no full answer"),
                "huge", allOf(containsString("too_large"), containsString("adapter.scrape.max-body-bytes=262144")),
                "dropping", containsString("connect_error"),
                "erroring", containsString("http_error: HTTP 503"),
                "silent", containsString("no queue-proxy container and no prometheus.kserve.io/port"));
        pods.ready(NS, "garbage", "mixed", server(Format.TORCHSERVE).garbage(true));
        pods.ready(NS, "slow", "mixed", server(Format.VLLM).metricsDelay(Duration.ofSeconds(2)));
        pods.ready(NS, "huge", "mixed", server(Format.TORCHSERVE).hugeBody(1 << 20));
        pods.ready(NS, "dropping", "mixed", server(Format.VLLM).closeConnections(true));
        pods.ready(NS, "erroring", "mixed", server(Format.VLLM).metricsStatus(503));
        pods.withoutEndpoint(NS, "silent", "mixed");
        String base = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS + "/pods/";

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, Double> reported = values(Api.https().get(base + "*/concurrency"));
            assertEquals(Set.of("healthy"), reported.keySet());
            assertEquals(6, reported.get("healthy"), 0.6);
            for (var bad : expected.entrySet()) {
                Api.https().get(base + bad.getKey() + "/concurrency").then()
                        .statusCode(404)
                        .contentType("application/json")
                        .body("kind", equalTo("Status"))
                        .body("reason", equalTo("NotFound"))
                        .body("message", bad.getValue());
            }
        });
        // The healthy pod stayed healthy throughout, and every failure was counted by its reason.
        String selfMetrics = Api.selfMetrics().get("/metrics").then().statusCode(200).extract().asString();
        Stream.of("bad_page", "timeout", "too_large", "connect_error", "http_error").forEach(reason ->
                org.hamcrest.MatcherAssert.assertThat(selfMetrics,
                        containsString("adapter_scrapes_total{outcome=\"" + reason + "\"}")));
    }

    @Test
    void aPodRecoversOnceItsPageIsGoodAgain() {
        FakeModelServer flaky = server(Format.TORCHSERVE).garbage(true);
        pods.ready(NS, "flaky", "recovering", flaky);
        String path = "/apis/custom.metrics.k8s.io/v1beta1/namespaces/" + NS + "/pods/flaky/concurrency";
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> Api.https().get(path).then().statusCode(404)
                        .body("message", containsString("bad_page")));
        flaky.garbage(false);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(6, values(Api.https().get(path)).get("flaky"), 0.6));
    }
}
