package dev.hpa.adapter.e2e;

import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.sumsStayAtMost;
import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.value;
import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.values;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.HeldLoad;
import dev.hpa.adapter.testing.HpaFormula;
import dev.hpa.adapter.testing.PrometheusFront;
import dev.hpa.adapter.testing.PrometheusMode;
import dev.hpa.adapter.testing.PrometheusResource;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code adapter.source=prometheus} against a real Prometheus scraping the same stand-in pods as the scraping
 * tests, through an HTTPS front that wants a client certificate and a bearer token. The same assertions as
 * {@link ConcurrencyEndToEndTest}, against the window the engine gives: at a 1 s scrape interval every range is
 * at least 4 s. Membership stays with the informer: not ready, deleted and unknown pods are left out with the
 * same reasons, whatever Prometheus holds.
 */
@QuarkusTest
@TestProfile(PrometheusMode.class)
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class PrometheusSourceTest {

    /** max(adapter.window.burst = 2s, 4 × adapter.prometheus.scrape-interval = 4s) */
    static final Duration BURST = Duration.ofSeconds(4);
    /** adapter.window.stable in {@link PrometheusMode} */
    static final Duration STABLE = Duration.ofSeconds(10);

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        PrometheusResource.front().behaveNormally();
        pods = new TestPods(k8s.getClient());
    }

    @AfterEach
    void stop() throws Exception {
        if (pods != null) {
            pods.close();
        }
    }

    /** A ready pod whose server holds {@code inFlight} requests of 200 ms, scraped by Prometheus. */
    FakeModelServer pod(String ns, String name, String isvc, Format format, int inFlight) {
        FakeModelServer server = pods.loaded(format, inFlight, Duration.ofMillis(200));
        PrometheusResource.prometheus().scrape(ns, name, server.port());
        pods.ready(ns, name, isvc, server);
        return server;
    }

    @Test
    void perPodValuesMatchWhatTheServersHold() {
        String ns = "prom-e2e";
        Map<String, FakeModelServer> servers = Map.of(
                "llama-torchserve", pod(ns, "llama-torchserve", "llama", Format.TORCHSERVE, 20),
                "llama-vllm", pod(ns, "llama-vllm", "llama", Format.VLLM, 8),
                "mnist-tgi", pod(ns, "mnist-tgi", "mnist", Format.TGI, 12));
        String base = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns;

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.nanoTime();
            Map<String, Double> reported = values(Api.https()
                    .get(base + "/pods/%2A/concurrency?labelSelector=serving.kserve.io%2Finferenceservice"));
            assertEquals(servers.keySet(), reported.keySet());
            for (var server : servers.entrySet()) {
                double truth = server.getValue().averageInFlight(now - BURST.toNanos(), now);
                assertEquals(truth, reported.get(server.getKey()), truth * 0.10, server.getKey());
            }
        });

        Response list = Api.https().get(base + "/pods/*/concurrency?labelSelector=app%3Disvc.llama-predictor");
        list.then().statusCode(200)
                .body("kind", equalTo("MetricValueList"))
                .body("items.size()", equalTo(2))
                .body("items[0].metric.name", equalTo("concurrency"))
                .body("items[0].windowSeconds", equalTo((int) BURST.toSeconds()));
        Api.https().get(base + "/pods/llama-vllm/concurrency?metricLabelSelector=source%3Dvllm").then()
                .statusCode(200).body("items.size()", equalTo(1))
                .body("items[0].describedObject.name", equalTo("llama-vllm"));
        Api.https().get(base + "/pods/*/concurrency?metricLabelSelector=source%3Dtorchserve").then()
                .statusCode(200).body("items.size()", equalTo(1))
                .body("items[0].describedObject.name", equalTo("llama-torchserve"));

        // Object metrics are sums over the ready pods (nominally 20 + 8 and 40; on a busy machine the load clients
        // hold fewer, so against what the servers really held).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.nanoTime();
            double llama = servers.get("llama-torchserve").averageInFlight(now - BURST.toNanos(), now)
                    + servers.get("llama-vllm").averageInFlight(now - BURST.toNanos(), now);
            double all = llama + servers.get("mnist-tgi").averageInFlight(now - BURST.toNanos(), now);
            assertEquals(llama, value(Api.https().get(base + "/inferenceservices.serving.kserve.io/llama/concurrency")),
                    llama * 0.10);
            assertEquals(all, value(Api.https().get(base + "/metrics/concurrency")), all * 0.10);
        });

        // 20 held requests of 200 ms: compared with what the server received over the window.
        long end = System.nanoTime();
        double rps = values(Api.https().get(base + "/pods/*/rps")).get("llama-torchserve");
        double received = servers.get("llama-torchserve").arrivals(end - BURST.toNanos(), end)
                / (BURST.toNanos() / 1e9);
        assertEquals(received, rps, Math.max(received * 0.10, 2), "rps against the requests the server received");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.nanoTime();
            double truth = servers.get("llama-torchserve").averageInFlight(now - Duration.ofSeconds(10).toNanos(), now);
            assertEquals(truth, values(Api.https().get(base + "/pods/*/concurrency_stable")).get("llama-torchserve"),
                    truth * 0.10);
        });
        Api.https().get(base + "/pods/*/concurrency_stable").then().body("items[0].windowSeconds", equalTo(10));

        // Through the front: the client certificate, the token and the tenant on every query; long ones by POST.
        PrometheusFront.Seen seen = PrometheusResource.front().seen().get(0);
        assertEquals("CN=hpa-metrics-adapter", seen.clientSubject());
        assertEquals(PrometheusResource.TENANT, seen.headers().get("X-Scope-OrgID"));
        assertEquals("/api/v1/query", seen.path());
        assertTrue(PrometheusResource.front().seen().stream().anyMatch(s -> s.method().equals("POST")),
                "the built-in recipes make a query longer than adapter.prometheus.post-above-bytes: POST");
    }

    /**
     * Knative pods in this mode are read from queue-proxy's user metrics on :9091, as Knative ≤1.18 (OpenCensus)
     * and ≥1.19 (OpenTelemetry) export them: Little's law on the latency sums, the request counts for rps.
     */
    @Test
    void knativeUserMetricsOfBothGenerations() {
        String ns = "prom-knative";
        Map<String, FakeModelServer> servers = Map.of(
                "opencensus", pod(ns, "opencensus", "model", Format.KNATIVE_USER_OPENCENSUS, 10),
                "otel", pod(ns, "otel", "model", Format.KNATIVE_USER_OTEL, 10));
        String base = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.nanoTime();
            Map<String, Double> reported = values(Api.https().get(base + "/pods/*/concurrency"));
            assertEquals(servers.keySet(), reported.keySet());
            for (var server : servers.entrySet()) {
                double truth = server.getValue().averageInFlight(now - BURST.toNanos(), now);
                assertEquals(truth, reported.get(server.getKey()), truth * 0.10, server.getKey());
            }
        });
        Api.https().get(base + "/pods/opencensus/concurrency?metricLabelSelector=source%3Dknative-queue-proxy")
                .then().statusCode(200).body("items.size()", equalTo(1));
        Api.https().get(base + "/pods/otel/concurrency?metricLabelSelector=source%3Dknative-queue-proxy-otel")
                .then().statusCode(200).body("items.size()", equalTo(1));
        // otelhttp's request counter beside it (the otel-http recipe's rps) must not be read instead
        Api.https().get(base + "/pods/otel/rps?metricLabelSelector=source%3Dknative-queue-proxy-otel")
                .then().statusCode(200).body("items.size()", equalTo(1));
        long end = System.nanoTime();
        Map<String, Double> rps = values(Api.https().get(base + "/pods/*/rps"));
        for (var server : servers.entrySet()) {
            double received = server.getValue().arrivals(end - BURST.toNanos(), end) / (BURST.toNanos() / 1e9);
            assertEquals(received, rps.get(server.getKey()), Math.max(received * 0.15, 2), server.getKey() + " rps");
        }
    }

    /**
     * Scrape mode's rule against counting a moved load twice holds here too, with the pod's Ready time: 50
     * requests held by one pod, then split 25/25 with a pod that becomes ready. A plain 10 s range would still
     * give the old pod up to 50 and the sum up to 75.
     */
    @Test
    void loadThatMovesToANewPodIsNotCountedTwice() throws InterruptedException {
        String ns = "prom-split";
        FakeModelServer a = pods.idle(Format.VLLM, Duration.ofMillis(200));
        FakeModelServer b = pods.idle(Format.VLLM, Duration.ofMillis(200));
        HeldLoad loadA = pods.load(a).start(50);
        HeldLoad loadB = pods.load(b);
        PrometheusResource.prometheus().scrape(ns, "predictor-a", a.port());
        PrometheusResource.prometheus().scrape(ns, "predictor-b", b.port());
        pods.ready(ns, "predictor-a", "split", a);
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency_stable";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Api.https().get(list).statusCode() == 200 && values(Api.https().get(list))
                        .getOrDefault("predictor-a", 0.0) >= 45);
        Thread.sleep(STABLE.toMillis()); // a's whole stable window at 50

        loadA.resize(25);
        loadB.start(25);
        // The Ready time has whole seconds, as the kubelet writes it: becoming ready more than a second after the
        // move keeps the second it is truncated to clear of a's samples from before.
        Thread.sleep(1500);
        pods.ready(ns, "predictor-b", "split", b);
        // 50 in flight, and 10 % for the load clients' jitter
        assertEquals(Set.of("predictor-a", "predictor-b"), sumsStayAtMost(55, STABLE.multipliedBy(2),
                List.of(list, list.replace("concurrency_stable", "concurrency"))), "both pods were answered");
        long now = System.nanoTime();
        Map<String, Double> settled = values(Api.https().get(list));
        double truthA = a.averageInFlight(now - STABLE.toNanos(), now);
        double truthB = b.averageInFlight(now - STABLE.toNanos(), now);
        assertEquals(truthA, settled.get("predictor-a"), truthA * 0.1);
        assertEquals(truthB, settled.get("predictor-b"), truthB * 0.1);
    }

    /**
     * A new pod the engine has no series for yet must not restart the others' windows: that would leave them
     * out for two scrape intervals while it has no value either, and the HPA with no value at all.
     */
    @Test
    void aPodWithoutASeriesYetDoesNotEmptyTheAnswer() throws InterruptedException {
        String ns = "prom-join";
        pod(ns, "serving", "join", Format.VLLM, 4);
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Api.https().get(list).statusCode() == 200);

        pods.ready(ns, "joining", "join", pods.loaded(Format.VLLM, 4, Duration.ofMillis(200))); // not scraped yet
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // beyond the 3 s a restart would last
        while (System.nanoTime() < until) {
            Response answer = Api.https().get(list);
            assertEquals(200, answer.statusCode(), () -> "while a pod joined: " + answer.asString());
            assertEquals(Set.of("serving"), values(answer).keySet());
            Thread.sleep(100);
        }
    }

    /**
     * The explain answer and the Events read the same values as the HPA in this mode: the engine's numbers, the
     * informer's membership, the engine's reasons, and its failure as the HPA would meet it.
     */
    @Test
    void explainAndEventsReadTheEngine() {
        String ns = "prom-explain";
        String deployment = "llama-predictor";
        k8s.expect().get().withPath("/apis/apps/v1/namespaces/" + ns + "/deployments/" + deployment + "/scale")
                .andReturn(200, new ScaleBuilder().withNewMetadata().withNamespace(ns).withName(deployment)
                        .endMetadata().withNewSpec().withReplicas(3).endSpec().withNewStatus().withReplicas(3)
                        .withSelector("app=isvc.llama-predictor").endStatus().build())
                .always();
        k8s.getClient().autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(
                new HorizontalPodAutoscalerBuilder().withNewMetadata().withNamespace(ns).withName("llama").endMetadata()
                        .withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(deployment).endScaleTargetRef().withMinReplicas(1).withMaxReplicas(10)
                        .withMetrics(new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric()
                                .withName("concurrency").endMetric().withNewTarget().withType("AverageValue")
                                .withAverageValue(new Quantity("10")).endTarget().endPods().build())
                        .endSpec().build())
                .create();
        pod(ns, "llama-a", "llama", Format.VLLM, 20);
        pod(ns, "llama-b", "llama", Format.VLLM, 20);
        pods.ready(ns, "llama-c", "llama", pods.loaded(Format.VLLM, 20, Duration.ofMillis(200))); // no engine scrapes it
        String explain = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns
                + "/horizontalpodautoscalers.autoscaling/llama/explain";
        String noSeries = "no value from the adapter: Prometheus has no concurrency series for it over the last 4s "
                + "(is the pod scraped, with labels namespace and pod?)";

        JsonPath[] answer = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonPath json = Api.https().get(explain).then().statusCode(200).extract().jsonPath();
            assertEquals(Set.of("llama-a", "llama-b"), Set.copyOf(json.getList("metrics[0].pods.ready.name")),
                    json.prettify());
            assertEquals(Set.of((int) BURST.toSeconds()), Set.copyOf(json.getList("metrics[0].pods.ready.windowSeconds")));
            answer[0] = json;
        });
        JsonPath json = answer[0];
        assertEquals(List.of("vllm", "vllm"), json.getList("metrics[0].pods.ready.source"));
        assertEquals("llama-c", json.getString("metrics[0].pods.missing[0].name"));
        assertTrue(json.getString("metrics[0].pods.missing[0].reason").startsWith(noSeries),
                json.getString("metrics[0].pods.missing[0].reason"));
        Map<String, Long> values = new HashMap<>();
        for (Map<String, Object> pod : json.<Map<String, Object>>getList("metrics[0].pods.ready")) {
            values.put((String) pod.get("name"), ((Number) pod.get("milliValue")).longValue());
        }
        assertEquals(HpaFormula.desiredReplicas(values, Set.of("llama-a", "llama-b", "llama-c"), Set.of(), 10_000, 3),
                json.getInt("metrics[0].proposal"), json.prettify());

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            // One Event, once the first values may be there: before, no series is what a new pod has.
            List<Event> leftOut = k8s.getClient().v1().events().inNamespace(ns).list().getItems().stream()
                    .filter(e -> "llama".equals(e.getInvolvedObject().getName()) && "PodLeftOut".equals(e.getReason())
                            && e.getMessage().contains("llama-c"))
                    .toList();
            assertEquals(1, leftOut.size(), leftOut.toString());
            assertEquals("pod llama-c is left out of concurrency: " + noSeries, leftOut.get(0).getMessage());
        });

        try {
            PrometheusResource.front().answer(500, "{\"status\":\"error\",\"errorType\":\"internal\","
                    + "\"error\":\"store gateway unavailable\"}");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    Api.https().get(explain).then().statusCode(200)
                            .body("metrics[0].error", startsWith("the adapter answers 503: the metric concurrency "
                                    + "cannot be read from https://localhost:" + PrometheusResource.front().port()
                                    + "/api/v1/query: HTTP 500: internal: store gateway unavailable (query: ")));
        } finally {
            PrometheusResource.front().behaveNormally();
        }
    }

    @Test
    void membershipStaysWithTheInformer() {
        String ns = "prom-members";
        pod(ns, "serving", "model", Format.VLLM, 4);
        pod(ns, "loading", "model", Format.VLLM, 4);
        pod(ns, "short-lived", "model", Format.VLLM, 4);
        // Ready, but no engine scrapes it: the adapter must not either.
        FakeModelServer unscraped = pods.loaded(Format.VLLM, 4, Duration.ofMillis(200));
        pods.ready(ns, "unscraped", "model", unscraped);
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertEquals(
                Set.of("serving", "loading", "short-lived"), values(Api.https().get(list)).keySet()));

        pods.setReady(ns, "loading", false);
        pods.delete(ns, "short-lived");
        // Prometheus still holds both pods' series; the answer drops them as soon as the informer sees it.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(Set.of("serving"),
                values(Api.https().get(list)).keySet()));
        Api.https().get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/loading/concurrency")
                .then().statusCode(404).body("kind", equalTo("Status"))
                .body("message", equalTo("the server could not find the metric concurrency: no value for pod "
                        + "loading in namespace " + ns + " (loading: not ready)"));
        Api.https().get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/short-lived/concurrency")
                .then().statusCode(404).body("message", equalTo("the server could not find the metric "
                        + "concurrency: no pod short-lived in namespace " + ns + " among the pods the adapter "
                        + "watches (adapter.pods.label-selector=serving.kserve.io/inferenceservice)"));
        // Its window is the whole burst window once BURST has passed since it (the newest pod) became ready.
        await().atMost(BURST.plusSeconds(1)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> Api.https()
                .get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/unscraped/concurrency")
                .then().statusCode(404).body("message", equalTo("the server could not find the metric "
                        + "concurrency: no value for pod unscraped in namespace " + ns + " (unscraped: Prometheus "
                        + "has no concurrency series for it over the last 4s (is the pod scraped, with labels "
                        + "namespace and pod?))")));

        assertEquals(0, unscraped.metricsRequests(), "the adapter read a pod's page in prometheus mode");
        MeterRegistry registry = Arc.container().instance(MeterRegistry.class).get();
        double scrapes = registry.find("adapter.scrapes").counters().stream().mapToDouble(Counter::count).sum();
        assertEquals(0, scrapes, "adapter_scrapes_total in prometheus mode");
        assertTrue(registry.find("adapter.prometheus.queries").tag("outcome", "success").counter().count() > 0);
    }

    @Test
    void aRecipeInPromqlFromConfigurationComesFirst() {
        String ns = "prom-custom";
        FakeModelServer custom = pod(ns, "custom-tgi", "custom", Format.TGI, 6);
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/custom-tgi/concurrency";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long now = System.nanoTime();
            double truth = custom.averageInFlight(now - BURST.toNanos(), now);
            assertEquals(2 * truth, value(Api.https().get(path)), 2 * truth * 0.10);
        });
        Api.https().get(path + "?metricLabelSelector=source%3Dcustom").then().statusCode(200)
                .body("items.size()", equalTo(1));
    }

    @Test
    void aRotatedTokenIsUsedFromTheNextQueryOn() {
        String ns = "prom-token";
        pod(ns, "vllm", "model", Format.VLLM, 3);
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/vllm/concurrency";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Api.https().get(path).statusCode() == 200);
        try {
            PrometheusResource.front().acceptToken("token-2");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    Api.https().get(path).then().statusCode(503).body("kind", equalTo("Status"))
                            .body("message", startsWith("the metric concurrency cannot be read from https://localhost:"
                                    + PrometheusResource.front().port() + "/api/v1/query: HTTP 401 (refused the "
                                    + "adapter's credentials")));
            PrometheusResource.rotateToken("token-2");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Api.https().get(path).statusCode() == 200);
        } finally {
            PrometheusResource.front().acceptToken("token-1");
            PrometheusResource.rotateToken("token-1");
        }
    }
}
