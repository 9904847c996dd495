package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeKubelet;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * metrics.k8s.io/v1beta1 in metrics-server's exact shape (reference: custom-metrics-contract.md §2.3), for the
 * requests {@code kubectl top} and the HPA's Resource metrics send. The test profile turns the API on.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class ResourceMetricsApiTest {

    static final String NS = "e2e-metrics-api";
    static final String API = "/apis/metrics.k8s.io/v1beta1";
    /** Go's time.Duration.String() for whole milliseconds: "1.5s", "1m0s", "500ms". */
    static final Pattern GO_DURATION = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(\\d+(?:\\.\\d+)?)s$|^(\\d+)ms$");

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;
    FakeKubelet kubelet;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
        // Stats refreshed every second, like a (fast) kubelet housekeeping: windows are the time between two.
        kubelet = FakeKubelet.start("node-m").statsEvery(Duration.ofSeconds(1));
        k8s.getClient().nodes().resource(kubelet.node()).create();
        kubelet.container(NS, "llama-0", "kserve-container", 0.5).container(NS, "llama-0", "queue-proxy", 0.02);
        kubelet.container(NS, "mistral-0", "kserve-container", 0.25);
        pods.onNode(NS, "llama-0", "llama", "node-m", "1");
        pods.onNode(NS, "mistral-0", "mistral", "node-m", "1");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Api.https().get(API + "/namespaces/" + NS + "/pods")
                .then().statusCode(200).body("items.size()", equalTo(2)));
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
        k8s.getClient().nodes().delete();
        kubelet.close();
    }

    @Test
    void discoveryListsNodesAndPods() {
        Api.https().get(API).then().statusCode(200).contentType("application/json")
                .body("kind", equalTo("APIResourceList"))
                .body("apiVersion", equalTo("v1"))
                .body("groupVersion", equalTo("metrics.k8s.io/v1beta1"))
                .body("resources.name", equalTo(List.of("nodes", "pods")))
                .body("resources.namespaced", equalTo(List.of(false, true)))
                .body("resources.kind", equalTo(List.of("NodeMetrics", "PodMetrics")))
                .body("resources[1].verbs", equalTo(List.of("get", "list")));
    }

    /** What the HPA's Resource metric and {@code kubectl top pod -l} send. */
    @Test
    void podListIsMetricsServersShapeFieldByField() {
        JsonPath list = Api.https().queryParam("labelSelector", "serving.kserve.io/inferenceservice=llama")
                .get(API + "/namespaces/" + NS + "/pods").then().statusCode(200).contentType("application/json")
                .body("kind", equalTo("PodMetricsList"))
                .body("apiVersion", equalTo("metrics.k8s.io/v1beta1"))
                .body("metadata", anEmptyMap())
                .body("items.size()", equalTo(1))
                .extract().jsonPath();
        Map<String, Object> item = list.getMap("items[0]");
        assertEquals(List.of("metadata", "timestamp", "window", "containers"), List.copyOf(item.keySet()),
                "fields in Go's order, no kind or apiVersion on list items");
        assertEquals("llama-0", list.getString("items[0].metadata.name"));
        assertEquals(NS, list.getString("items[0].metadata.namespace"));
        assertEquals("llama", list.getString("items[0].metadata.labels.'serving.kserve.io/inferenceservice'"));
        Instant created = Instant.parse(list.getString("items[0].metadata.creationTimestamp"));
        Instant timestamp = Instant.parse(list.getString("items[0].timestamp"));
        assertTrue(Duration.between(timestamp, created).abs().toSeconds() <= 5, "creationTimestamp is now");
        assertTrue(list.getString("items[0].timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                "metav1.Time: RFC 3339 in whole seconds");
        double window = goSeconds(list.getString("items[0].window"));
        assertTrue(window >= 0.9 && window <= 2.1, "window between two kubelet samples: " + window);
        assertEquals(List.of("kserve-container", "queue-proxy"), list.getList("items[0].containers.name"));
        assertEquals(List.of("cpu", "memory"), List.copyOf(list.getMap("items[0].containers[0].usage").keySet()));
        assertEquals(0.5, cores(list.getString("items[0].containers[0].usage.cpu")), 0.025);
        assertEquals(0.02, cores(list.getString("items[0].containers[1].usage.cpu")), 0.001);
        assertEquals("12257Ki", list.getString("items[0].containers[0].usage.memory"));
    }

    /** {@code kubectl top pod NAME}, a missing one, {@code -A}, and field selectors. */
    @Test
    void singlePodsAllNamespacesAndFieldSelectors() {
        Api.https().get(API + "/namespaces/" + NS + "/pods/mistral-0").then().statusCode(200)
                .body("kind", equalTo("PodMetrics"))
                .body("apiVersion", equalTo("metrics.k8s.io/v1beta1"))
                .body("metadata.name", equalTo("mistral-0"))
                .body("containers.name", equalTo(List.of("kserve-container")));
        Api.https().get(API + "/namespaces/" + NS + "/pods/nope").then().statusCode(404)
                .body("kind", equalTo("Status"))
                .body("reason", equalTo("NotFound"))
                .body("message", equalTo("podmetrics.metrics.k8s.io \"" + NS + "/nope\" not found"))
                .body("details.kind", equalTo("pods"))
                .body("details.group", equalTo("metrics.k8s.io"));
        Api.https().get(API + "/pods").then().statusCode(200)
                .body("items.metadata.name", hasItem("llama-0"))
                .body("items.metadata.name", hasItem("mistral-0"));
        Api.https().queryParam("fieldSelector", "metadata.name!=llama-0")
                .get(API + "/namespaces/" + NS + "/pods").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("mistral-0")));
        Api.https().queryParam("fieldSelector", "spec.nodeName=node-m")
                .get(API + "/namespaces/" + NS + "/pods").then().statusCode(400)
                .body("reason", equalTo("BadRequest"))
                .body("message", equalTo("\"spec.nodeName\" is not a known field selector: only \"metadata.name\", "
                        + "\"metadata.namespace\""));
        Api.https().queryParam("labelSelector", "app%20in%20%28a").get(API + "/namespaces/" + NS + "/pods").then()
                .statusCode(400).body("reason", equalTo("BadRequest"));
        // A namespace without inference pods: an empty list, as metrics-server answers, not an error.
        Api.https().get(API + "/namespaces/elsewhere/pods").then().statusCode(200).body("items.size()", equalTo(0));
    }

    /** {@code kubectl top node}: the nodes that run watched pods. */
    @Test
    void nodeMetrics() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.https().get(API + "/nodes").then()
                .statusCode(200)
                .body("kind", equalTo("NodeMetricsList"))
                .body("items.metadata.name", equalTo(List.of("node-m"))));
        JsonPath node = Api.https().get(API + "/nodes/node-m").then().statusCode(200)
                .body("kind", equalTo("NodeMetrics"))
                .body("metadata.labels", hasKey("kubernetes.io/hostname"))
                .body("metadata", not(hasKey("namespace")))
                .body("usage", aMapWithSize(2))
                .body("usage.memory", equalTo("1Gi"))
                .body("window", matchesPattern(GO_DURATION))
                .extract().jsonPath();
        assertEquals(0.5 + 0.02 + 0.25 + 0.1, cores(node.getString("usage.cpu")), 0.05);
        Api.https().queryParam("labelSelector", "node.kubernetes.io/instance-type=cpu-only").get(API + "/nodes")
                .then().statusCode(200).body("items.size()", equalTo(0));
        Api.https().get(API + "/nodes/node-unknown").then().statusCode(404)
                .body("message", equalTo("nodemetrics.metrics.k8s.io \"node-unknown\" not found"))
                .body("details.name", equalTo("node-unknown"))
                .body("details", not(hasKey("namespace")))
                .body("details.causes", nullValue());
    }

    /** Seconds of a Go duration string. */
    static double goSeconds(String text) {
        Matcher m = GO_DURATION.matcher(text);
        assertTrue(m.matches(), "not a Go duration: " + text);
        if (m.group(4) != null) {
            return Integer.parseInt(m.group(4)) / 1000.0;
        }
        return (m.group(1) == null ? 0 : Integer.parseInt(m.group(1)) * 3600)
                + (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)) * 60) + Double.parseDouble(m.group(3));
    }

    /** Cores of a CPU Quantity as metrics-server writes them: "12345678n", "250m", "2". */
    static double cores(String quantity) {
        assertTrue(quantity.matches("\\d+[num]?"), "not a canonical CPU quantity: " + quantity);
        char unit = quantity.charAt(quantity.length() - 1);
        double scale = switch (unit) {
            case 'n' -> 1e-9;
            case 'u' -> 1e-6;
            case 'm' -> 1e-3;
            default -> 1;
        };
        return Long.parseLong(Character.isDigit(unit) ? quantity : quantity.substring(0, quantity.length() - 1))
                * scale;
    }
}
