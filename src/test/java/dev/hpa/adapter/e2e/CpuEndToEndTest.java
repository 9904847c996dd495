package dev.hpa.adapter.e2e;

import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.value;
import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.values;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.FakeKubelet;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CPU per inference pod from real HTTPS kubelets: values within 5 % of the rate each kubelet serves, a counter
 * reset that costs nothing, and a kubelet that is down, refuses the token or serves garbage costing only its own
 * node's pods, with a message that names the node.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class CpuEndToEndTest {

    static final String NS = "e2e-cpu";
    static final String CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS;

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;
    final List<FakeKubelet> kubelets = new ArrayList<>();

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
        ClusterReviews.install(k8s); // the self-metrics are read with a token
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
        k8s.getClient().nodes().delete();
        kubelets.forEach(FakeKubelet::close);
    }

    FakeKubelet node(String name) {
        FakeKubelet kubelet = FakeKubelet.start(name);
        kubelets.add(kubelet);
        k8s.getClient().nodes().resource(kubelet.node()).create();
        return kubelet;
    }

    @Test
    void cpuOfEachPodIsTheRateItsKubeletServes() {
        FakeKubelet a = node("node-a");
        FakeKubelet b = node("node-b");
        a.container(NS, "small", "kserve-container", 0.5);
        a.container(NS, "sidecar", "kserve-container", 0.2).container(NS, "sidecar", "queue-proxy", 0.05);
        b.container(NS, "big", "kserve-container", 1.5);
        b.withoutPodSeries(NS, "big"); // an old kubelet: the pod is the sum of its containers
        pods.onNode(NS, "small", "llama", "node-a", "1");
        pods.onNode(NS, "sidecar", "llama", "node-a", "500m");
        pods.onNode(NS, "big", "mistral", "node-b", "2");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, Double> cpu = values(Api.https().get(CUSTOM + "/pods/*/cpu"));
            assertEquals(Set.of("small", "sidecar", "big"), cpu.keySet());
            assertEquals(0.5, cpu.get("small"), 0.025);
            assertEquals(0.25, cpu.get("sidecar"), 0.0125);
            assertEquals(1.5, cpu.get("big"), 0.075);
        });
        // Utilization: CPU over the pod's request, in percent, as the HPA's Resource target means it.
        Map<String, Double> utilization = values(Api.https().get(CUSTOM + "/pods/*/cpu_utilization"));
        assertEquals(50, utilization.get("small"), 2.5);
        assertEquals(50, utilization.get("sidecar"), 2.5);
        assertEquals(75, utilization.get("big"), 3.75);
        // The stable window, v1beta1, the InferenceService and the namespace: the same numbers.
        Map<String, Double> stable = values(Api.https().get(
                "/apis/custom.metrics.k8s.io/v1beta1/namespaces/" + NS + "/pods/*/cpu_stable"));
        assertEquals(0.5, stable.get("small"), 0.025);
        assertEquals(0.75, value(Api.https().get(CUSTOM + "/inferenceservices.serving.kserve.io/llama/cpu")), 0.0375);
        // A group's utilization is its CPU over its requests (0.75 / 1.5), not a sum of percentages.
        assertEquals(50, value(Api.https().get(CUSTOM + "/inferenceservices.serving.kserve.io/llama/cpu_utilization")),
                2.5);
        assertEquals(2.25, value(Api.https().get(CUSTOM + "/metrics/cpu")), 0.1125);
        Api.https().get(CUSTOM + "/pods/*/cpu").then().statusCode(200)
                .body("items[0].metric.selector", equalTo(null))
                .body("items.find { it.describedObject.name == 'small' }.value", containsString("m"));
        assertEquals("Bearer " + FakeKubelet.TOKEN, a.lastAuthorization());
    }

    @Test
    void aContainerRestartIsNeitherANegativeRateNorASpike() {
        FakeKubelet a = node("node-restart");
        a.container(NS, "restarting", "kserve-container", 0.5);
        pods.onNode(NS, "restarting", "llama", "node-restart", "1");
        String path = CUSTOM + "/pods/restarting/cpu";
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(0.5, value(Api.https().get(path)), 0.025));
        a.restart(NS, "restarting", "kserve-container");
        long until = System.currentTimeMillis() + 3000; // six kubelet reads across the reset
        while (System.currentTimeMillis() < until) {
            var response = Api.https().get(path);
            if (response.statusCode() == 200) {
                assertEquals(0.5, value(response), 0.025, "CPU across a counter reset");
            }
        }
        assertEquals(0.5, value(Api.https().get(path)), 0.025);
    }

    @Test
    void aBrokenKubeletCostsOnlyItsOwnNodesPodsAndIsNamed() {
        FakeKubelet healthy = node("node-ok");
        FakeKubelet broken = node("node-broken");
        healthy.container(NS, "fine", "kserve-container", 0.4);
        broken.container(NS, "stranded", "kserve-container", 0.8);
        pods.onNode(NS, "fine", "llama", "node-ok", "1");
        pods.onNode(NS, "stranded", "llama", "node-broken", "1");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertEquals(Set.of("fine", "stranded"), values(Api.https().get(CUSTOM + "/pods/*/cpu")).keySet()));

        broken.status(401);
        expectOnlyFine("kubelet node-broken", "refused the adapter's service-account token");
        broken.status(403);
        expectOnlyFine("kubelet node-broken", "grant it to the adapter's ServiceAccount");
        broken.status(200).garbage(true);
        expectOnlyFine("kubelet node-broken", "served a page we cannot read");
        broken.garbage(false).delay(Duration.ofSeconds(2));
        expectOnlyFine("kubelet node-broken", "timeout");
        broken.behaveNormally();
        broken.down();
        expectOnlyFine("kubelet node-broken", "cannot connect");

        broken.up();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertEquals(0.8, values(Api.https().get(CUSTOM + "/pods/*/cpu")).getOrDefault("stranded", -1.0), 0.04));
        String selfMetrics = Api.selfMetrics().get("/metrics").then().statusCode(200).extract().asString();
        for (String outcome : List.of("success", "http_error", "bad_page", "timeout", "connect_error")) {
            assertTrue(selfMetrics.contains("adapter_kubelet_scrapes_total{outcome=\"" + outcome + "\"}"), outcome);
        }
    }

    /** The healthy pod keeps its exact value while the stranded one is left out with a message naming its node. */
    private void expectOnlyFine(String names, String why) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, Double> cpu = values(Api.https().get(CUSTOM + "/pods/*/cpu"));
            assertEquals(Set.of("fine"), cpu.keySet());
            assertEquals(0.4, cpu.get("fine"), 0.02);
            Api.https().get(CUSTOM + "/pods/stranded/cpu").then().statusCode(404)
                    .body("kind", equalTo("Status"))
                    .body("message", allOf(containsString("stranded"), containsString(names), containsString(why)));
        });
    }

    @Test
    void aPodWithoutACpuRequestHasCpuButNoUtilization() {
        FakeKubelet a = node("node-norequest");
        a.container(NS, "unbounded", "kserve-container", 0.3);
        pods.onNode(NS, "unbounded", "llama", "node-norequest", null);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertEquals(0.3, value(Api.https().get(CUSTOM + "/pods/unbounded/cpu")), 0.015));
        Api.https().get(CUSTOM + "/pods/unbounded/cpu_utilization").then().statusCode(404)
                .body("message", allOf(containsString("container kserve-container has no CPU request"),
                        not(containsString("kubelet"))));
    }

    @Test
    void aPodOnANodeNobodyKnowsSaysSo() {
        pods.onNode(NS, "orphan", "llama", "node-unknown", "1");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                Api.https().get(CUSTOM + "/pods/orphan/cpu").then().statusCode(404)
                        .body("message", containsString("no CPU yet from the kubelet of node node-unknown")));
    }
}
