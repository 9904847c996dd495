package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.api.ApiVersion;
import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.HeldLoad;
import dev.hpa.adapter.testing.HpaFormula;
import dev.hpa.adapter.testing.TestPods;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole path with real parts: Pod objects in the Kubernetes mock server, real local model servers holding a
 * known number of requests, the adapter's scrapes, windows and HTTPS API. The reported concurrency must match
 * what the servers really held, within 10 %.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class ConcurrencyEndToEndTest {

    /** The test profile's burst window (application.properties, %test). */
    static final Duration BURST = Duration.ofSeconds(2);

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
    }

    /** A model server holding {@code inFlight} requests of 200 ms. */
    FakeModelServer server(Format format, int inFlight) {
        return pods.loaded(format, inFlight, Duration.ofMillis(200));
    }

    @ParameterizedTest
    @EnumSource(ApiVersion.class)
    void perPodConcurrencyMatchesWhatTheServersHold(ApiVersion version) {
        String ns = "e2e-" + version.version();
        Map<String, FakeModelServer> servers = Map.of(
                "llama-torchserve", server(Format.TORCHSERVE, 20),
                "llama-vllm", server(Format.VLLM, 8),
                "mnist-knative", server(Format.QUEUE_PROXY, 12));
        pods.ready(ns, "llama-torchserve", "llama", servers.get("llama-torchserve"));
        pods.ready(ns, "llama-vllm", "llama", servers.get("llama-vllm"));
        pods.ready(ns, "mnist-knative", "mnist", servers.get("mnist-knative"));
        String base = "/apis/custom.metrics.k8s.io/" + version.version() + "/namespaces/" + ns;

        // Wait until every window is full of loaded samples, then compare with the servers' own truth.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
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
        list.then().statusCode(200).contentType("application/json")
                .body("kind", equalTo("MetricValueList"))
                .body("apiVersion", equalTo(version.groupVersion()))
                .body("items.size()", equalTo(2));
        JsonPath item = list.jsonPath();
        String metricName = version == ApiVersion.V1BETA1 ? "items[0].metricName" : "items[0].metric.name";
        assertEquals("concurrency", item.getString(metricName));
        assertEquals(2, item.getInt(version == ApiVersion.V1BETA1 ? "items[0].window" : "items[0].windowSeconds"));

        Api.https().get(base + "/pods/llama-vllm/concurrency").then().statusCode(200)
                .body("items.size()", equalTo(1))
                .body("items[0].describedObject.kind", equalTo("Pod"))
                .body("items[0].describedObject.name", equalTo("llama-vllm"))
                .body("items[0].describedObject.apiVersion", equalTo("v1"));

        // Object metrics are sums over the ready pods: 20 + 8 for the InferenceService, 40 for the namespace.
        double isvc = value(Api.https().get(base + "/inferenceservices.serving.kserve.io/llama/concurrency"));
        assertEquals(28, isvc, 2.8);
        Api.https().get(base + "/inferenceservices.serving.kserve.io/llama/concurrency").then()
                .body("items[0].describedObject.kind", equalTo("InferenceService"))
                .body("items[0].describedObject.apiVersion", equalTo("serving.kserve.io/v1beta1"));
        assertEquals(40, value(Api.https().get(base + "/metrics/concurrency")), 4.0);
        Api.https().get(base + "/metrics/concurrency").then()
                .body("items[0].describedObject.kind", equalTo("Namespace"))
                .body("items[0].describedObject.name", equalTo(ns));

        // Request rates: 20 held requests of 200 ms are about 100 requests a second; compared with what the server
        // received over the window, since a starved load client holds fewer.
        long end = System.nanoTime();
        double rps = values(Api.https().get(base + "/pods/*/rps")).get("llama-torchserve");
        double received = servers.get("llama-torchserve").arrivals(end - BURST.toNanos(), end)
                / (BURST.toNanos() / 1e9);
        assertEquals(received, rps, Math.max(received * 0.10, 2), "rps against the requests the server received");
        assertEquals(20, values(Api.https().get(base + "/pods/*/concurrency_stable")).get("llama-torchserve"), 2);
    }

    /**
     * The seed scenario of KServe's docs: a TorchServe InferenceService in Knative mode, so queue-proxy reports
     * the time-weighted in-flight count; one pod holding 50 requests; an HPA with target averageValue 10. What we
     * report must make the HPA's own formula ask for exactly 5 pods.
     */
    @Test
    void seedScenarioAsksForFivePods() throws InterruptedException {
        assertEquals(5, desiredReplicasAtFifty("kserve-test", Format.QUEUE_PROXY, 5));
    }

    /**
     * The same in raw mode, where TorchServe's latency counter gives concurrency by Little's law. A request counts
     * only when it completes, so a short window sees whole waves of completions or none: a few percent of noise
     * around 50, which the HPA's ceil() can turn into 6. Never more.
     */
    @Test
    void seedScenarioInRawModeAsksForFiveOrSixPods() throws InterruptedException {
        desiredReplicasAtFifty("kserve-test-raw", Format.TORCHSERVE, 5, 6);
    }

    /**
     * Holds 50 requests in one predictor pod, waits until the burst window is full of that load, then applies the
     * HPA formula to five answers half a second apart: every one must give one of {@code accepted}.
     */
    int desiredReplicasAtFifty(String ns, Format format, Integer... accepted) throws InterruptedException {
        FakeModelServer server = server(format, 50);
        pods.ready(ns, "torchserve-predictor-0", "torchserve", server);
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns
                + "/pods/%2A/concurrency?labelSelector=serving.kserve.io%2Finferenceservice%3Dtorchserve";
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() ->
                Api.https().get(path).statusCode() == 200
                        && values(Api.https().get(path)).get("torchserve-predictor-0") >= 45);
        Thread.sleep(BURST.toMillis()); // the window now holds nothing but the steady load
        int desired = 0;
        for (int sample = 0; sample < 5; sample++) {
            Map<String, Double> reported = values(Api.https().get(path));
            Map<String, Long> milli = new HashMap<>();
            reported.forEach((pod, v) -> milli.put(pod, Math.round(v * 1000)));
            desired = HpaFormula.desiredReplicas(milli, Set.of("torchserve-predictor-0"), Set.of(), 10_000, 1);
            assertTrue(List.of(accepted).contains(desired), "reported " + reported + " → " + desired + " replicas");
            Thread.sleep(500);
        }
        return desired;
    }

    /**
     * A scale-up: pod A carries 50, then pod B starts answering and the load splits 25/25. The per-pod values must
     * never add up to much more than the 50 that is really there, or the HPA (which multiplies the average by the
     * pod count) would overshoot. A plain window would report A at up to 50 for a whole window after the split.
     */
    @Test
    void loadThatMovesToANewPodIsNotCountedTwice() throws InterruptedException {
        String ns = "e2e-split";
        FakeModelServer a = pods.idle(Format.VLLM, Duration.ofMillis(200));
        FakeModelServer b = pods.idle(Format.VLLM, Duration.ofMillis(200));
        HeldLoad loadA = pods.load(a).start(50);
        HeldLoad loadB = pods.load(b);
        pods.ready(ns, "predictor-a", "split", a);
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> Api.https().get(list).statusCode() == 200 && values(Api.https().get(list))
                        .getOrDefault("predictor-a", 0.0) >= 49);
        Thread.sleep(BURST.toMillis());

        // The new pod becomes ready and the load balancer splits the load.
        loadA.resize(25);
        loadB.start(25);
        pods.ready(ns, "predictor-b", "split", b);
        assertTrue(sumsStayAtMost(55, BURST.multipliedBy(2), List.of(list)).contains("predictor-b"),
                "the new pod was answered");
        // Settled: each pod's value is what it really holds (on a busy machine the loops may hold fewer than 25).
        // The adapter samples the vLLM gauge at its scrapes while the truth is time-weighted over the test's own
        // window, which ends up to a scrape interval later; on a starved machine one answer can miss by more than
        // 10 %, so it is asked again, as the first test does, until the two agree.
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            long now = System.nanoTime();
            Map<String, Double> settled = values(Api.https().get(list));
            double truthA = a.averageInFlight(now - BURST.toNanos(), now);
            double truthB = b.averageInFlight(now - BURST.toNanos(), now);
            assertEquals(truthA, settled.get("predictor-a"), truthA * 0.1, "predictor-a");
            assertEquals(truthB, settled.get("predictor-b"), truthB * 0.1, "predictor-b");
        });
    }

    /**
     * A new pod whose server publishes counters (TorchServe) has no value until its second read. Until then it must
     * not restart the others' windows: that left every pod out, and the HPA without any metric for that sync.
     */
    @Test
    void aPodWithoutAValueYetDoesNotEmptyTheAnswer() throws InterruptedException {
        String ns = "e2e-join";
        pods.ready(ns, "serving", "join", server(Format.TORCHSERVE, 10));
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(10)).until(() -> Api.https().get(list).statusCode() == 200);

        pods.ready(ns, "joining", "join", server(Format.TORCHSERVE, 10));
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // eight scrape intervals
        boolean sawJoining = false;
        while (System.nanoTime() < until) {
            Response answer = Api.https().get(list);
            assertEquals(200, answer.statusCode(), () -> "while a pod joined: " + answer.asString());
            sawJoining |= values(answer).containsKey("joining");
            Thread.sleep(20);
        }
        assertTrue(sawJoining, "the new pod was answered once it had a value");
    }

    @Test
    void aDeletedPodLeavesTheAnswerAtOnce() {
        String ns = "e2e-delete";
        FakeModelServer server = server(Format.VLLM, 3);
        pods.ready(ns, "short-lived", "gone", server);
        pods.ready(ns, "stays", "gone", server(Format.VLLM, 3));
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(Set.of("short-lived", "stays"), values(Api.https().get(list)).keySet()));

        pods.delete(ns, "short-lived");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(Set.of("stays"), values(Api.https().get(list)).keySet()));
        Api.https().get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/short-lived/concurrency")
                .then().statusCode(404).body("kind", equalTo("Status"));
    }

    @Test
    void aPodThatStopsBeingReadyIsLeftOut() {
        String ns = "e2e-readiness";
        pods.ready(ns, "loading", "model", server(Format.TGI, 4));
        pods.ready(ns, "serving", "model", server(Format.TGI, 4));
        String list = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(Set.of("loading", "serving"), values(Api.https().get(list)).keySet()));

        pods.setReady(ns, "loading", false);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(Set.of("serving"), values(Api.https().get(list)).keySet()));
        Api.https().get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/loading/concurrency")
                .then().statusCode(404)
                .body("message", equalTo("the server could not find the metric concurrency: no value for pod "
                        + "loading in namespace " + ns + " (loading: not ready)"));
    }

    /** Pod name → reported value, from a MetricValueList. */
    /**
     * Asks each of {@code paths} again and again for {@code during}: the per-pod values of every answer add up to
     * at most {@code max}. Returns the pods that were answered.
     */
    static Set<String> sumsStayAtMost(double max, Duration during, List<String> paths) throws InterruptedException {
        long until = System.nanoTime() + during.toNanos();
        Set<String> answered = new TreeSet<>();
        while (System.nanoTime() < until) {
            for (String path : paths) {
                Response answer = Api.https().get(path);
                if (answer.statusCode() == 200) {
                    Map<String, Double> reported = values(answer);
                    answered.addAll(reported.keySet());
                    double sum = reported.values().stream().mapToDouble(Double::doubleValue).sum();
                    assertTrue(sum <= max, path + ": per-pod values add up to " + sum + ": " + reported);
                }
            }
            Thread.sleep(50);
        }
        return answered;
    }

    static Map<String, Double> values(Response response) {
        response.then().statusCode(200);
        Map<String, Double> values = new HashMap<>();
        List<Map<String, Object>> items = response.jsonPath().getList("items");
        for (Map<String, Object> item : items) {
            @SuppressWarnings("unchecked")
            Map<String, Object> ref = (Map<String, Object>) item.get("describedObject");
            values.put((String) ref.get("name"), quantity((String) item.get("value")));
        }
        return values;
    }

    static double value(Response response) {
        response.then().statusCode(200).body("items.size()", equalTo(1));
        return quantity(response.jsonPath().getString("items[0].value"));
    }

    static double quantity(String q) {
        return q.endsWith("m") ? Long.parseLong(q.substring(0, q.length() - 1)) / 1000.0 : Double.parseDouble(q);
    }
}
