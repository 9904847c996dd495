package dev.hpa.adapter.e2e;

import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.value;
import static dev.hpa.adapter.e2e.ConcurrencyEndToEndTest.values;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeKubelet;
import dev.hpa.adapter.testing.PrometheusMode;
import dev.hpa.adapter.testing.PrometheusResource;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CPU in {@code adapter.source=prometheus}: a real Prometheus scrapes a stand-in kubelet's {@code /metrics/cadvisor}
 * over HTTPS, as kube-prometheus-stack's kubelet ServiceMonitor does, and the adapter answers the same per-pod
 * cores, utilization and sums as {@link CpuEndToEndTest} reads from the kubelets in scrape mode. The page also holds
 * what real cAdvisor adds and a sum per pod must leave out: the pod's own cgroup ({@code container=""}) and the
 * pause container ({@code container="POD"}), made to use 0.3 cores here so that counting either would show.
 *
 * <p>The tolerance is 10 %, not the 5 % of scrape mode: at a 1 s scrape interval the burst window is a 4 s range,
 * and {@code rate()} extrapolates to its edges only when a sample lies within 1.1 intervals of them, so one late
 * scrape on a loaded machine shortens the range it measures by up to half an interval.
 */
@QuarkusTest
@TestProfile(PrometheusMode.class)
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class PrometheusCpuTest {

    static final String NS = "prom-cpu";
    static final String CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS;
    static final double SANDBOX_CORES = 0.3;

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;
    FakeKubelet kubelet;

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
        if (kubelet != null) {
            kubelet.close();
        }
    }

    @Test
    void cpuOfEachPodIsTheRateOfItsContainersInCadvisorSeries() throws Exception {
        kubelet = FakeKubelet.start("node-prom-cpu").sandboxCores(SANDBOX_CORES);
        kubelet.container(NS, "small", "kserve-container", 0.5);
        kubelet.container(NS, "sidecar", "kserve-container", 0.2).container(NS, "sidecar", "queue-proxy", 0.05);
        kubelet.container(NS, "big", "kserve-container", 1.5);
        // The same pod name in another namespace on the node: the namespace matcher keeps it out.
        kubelet.container("prom-cpu-other", "small", "kserve-container", 0.7);
        PrometheusResource.prometheus().scrapeKubelet(kubelet.nodeName(), kubelet.port());
        pods.onNode(NS, "small", "llama", kubelet.nodeName(), "1");
        pods.onNode(NS, "sidecar", "llama", kubelet.nodeName(), "500m");
        pods.onNode(NS, "big", "mistral", kubelet.nodeName(), "2");

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Double> cpu = values(Api.https().get(CUSTOM + "/pods/*/cpu"));
            assertEquals(Set.of("small", "sidecar", "big"), cpu.keySet());
            assertEquals(0.5, cpu.get("small"), 0.05);
            assertEquals(0.25, cpu.get("sidecar"), 0.025);
            assertEquals(1.5, cpu.get("big"), 0.15);
        });
        // The series left out are in Prometheus, under the pods' own labels: the answer above did not miss them.
        Map<String, Double> sandboxes = prometheus("sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\""
                + NS + "\",container=\"POD\"}[4s]))");
        assertEquals(Set.of("small", "sidecar", "big"), sandboxes.keySet());
        assertEquals(SANDBOX_CORES, sandboxes.get("small"), SANDBOX_CORES * 0.10);
        Map<String, Double> podCgroups = prometheus("sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\""
                + NS + "\",container=\"\"}[4s]))");
        assertEquals(0.5 + SANDBOX_CORES, podCgroups.get("small"), (0.5 + SANDBOX_CORES) * 0.10);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            // Utilization: CPU over the pod's request from the informer, in percent.
            Map<String, Double> utilization = values(Api.https().get(CUSTOM + "/pods/*/cpu_utilization"));
            assertEquals(50, utilization.get("small"), 5);
            assertEquals(50, utilization.get("sidecar"), 5);
            assertEquals(75, utilization.get("big"), 7.5);
            assertEquals(0.75, value(Api.https().get(CUSTOM + "/inferenceservices.serving.kserve.io/llama/cpu")),
                    0.075);
            assertEquals(2.25, value(Api.https().get(CUSTOM + "/metrics/cpu")), 0.225);
        });
        // The stable window: max(adapter.window.stable = 10s, 4 scrape intervals), over v1beta1 too.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Double> stable = values(Api.https().get(
                    "/apis/custom.metrics.k8s.io/v1beta1/namespaces/" + NS + "/pods/*/cpu_stable"));
            assertEquals(0.5, stable.get("small"), 0.05);
            assertEquals(1.5, stable.get("big"), 0.15);
        });
        Api.https().get(CUSTOM + "/pods/small/cpu_stable").then().statusCode(200)
                .body("items[0].windowSeconds", equalTo(10));
        Api.https().get(CUSTOM + "/pods/*/cpu?metricLabelSelector=source%3Dkubelet").then().statusCode(200)
                .body("items.size()", equalTo(3)).body("items[0].windowSeconds", equalTo(4));
        MeterRegistry registry = Arc.container().instance(MeterRegistry.class).get();
        assertEquals(0, registry.find("adapter.kubelet.scrapes").counters().stream().mapToDouble(Counter::count)
                .sum(), "adapter_kubelet_scrapes_total in prometheus mode: only Prometheus reads the kubelet");
    }

    /** An instant query straight to Prometheus, by pod. */
    static Map<String, Double> prometheus(String query) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                PrometheusResource.prometheus().url() + "/api/v1/query?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Map<String, Double> byPod = new HashMap<>();
        for (JsonNode series : new ObjectMapper().readTree(response.body()).path("data").path("result")) {
            byPod.put(series.path("metric").path("pod").asText(), series.path("value").get(1).asDouble());
        }
        return byPod;
    }
}
