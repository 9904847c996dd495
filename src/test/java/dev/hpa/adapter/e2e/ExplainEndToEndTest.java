package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.HpaFormula;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The explain answer for real HPAs in the mock API server, over pods that are real HTTP servers: pods grouped as
 * the controller groups them, and the proposal checked against {@link HpaFormula} on the values the answer
 * shows; then who may read it.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class ExplainEndToEndTest {

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
        ClusterReviews.install(k8s);
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
    }

    static String path(String ns, String hpa) {
        return "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/horizontalpodautoscalers.autoscaling/"
                + hpa + "/explain";
    }

    /** The HPA of the README's example, on the predictor Deployment, and that Deployment's scale subresource. */
    void hpa(String ns, String isvc, int replicas, int min, int max, String metric, String averageValue) {
        String deployment = isvc + "-predictor";
        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withNamespace(ns).withName(isvc + "-concurrency").endMetadata()
                .withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(deployment)
                .endScaleTargetRef()
                .withMinReplicas(min).withMaxReplicas(max)
                .withMetrics(new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric()
                        .withName(metric).endMetric().withNewTarget().withType("AverageValue")
                        .withAverageValue(new Quantity(averageValue)).endTarget().endPods().build())
                .endSpec().build();
        k8s.getClient().autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(hpa).create();
        // kube-apiserver's scale subresource of a Deployment: spec.replicas and the selector as a string.
        k8s.expect().get().withPath("/apis/apps/v1/namespaces/" + ns + "/deployments/" + deployment + "/scale")
                .andReturn(200, new ScaleBuilder().withNewMetadata().withNamespace(ns).withName(deployment)
                        .endMetadata().withNewSpec().withReplicas(replicas).endSpec().withNewStatus()
                        .withReplicas(replicas).withSelector("app=isvc." + isvc + "-predictor").endStatus().build())
                .always();
    }

    void pending(String ns, String name, String isvc) {
        k8s.getClient().pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withNamespace(ns)
                .withName(name).addToLabels(TestPods.ISVC_LABEL, isvc).addToLabels("app", "isvc." + isvc + "-predictor")
                .endMetadata().withNewSpec().addNewContainer().withName("kserve-container").withImage("model")
                .endContainer().endSpec().withNewStatus().withPhase("Pending").endStatus().build()).create();
    }

    /** vLLM publishes requests running as a gauge; requests of 3 s keep it steady (the gaps between are short). */
    FakeModelServer loaded(int inFlight) {
        return pods.loaded(Format.VLLM, inFlight, Duration.ofSeconds(3));
    }

    /**
     * Waits until the loads run in step (after their first answers they spread out, holding fewer requests for
     * a service time) and a burst window (2 s in tests) and a scrape (0.25 s) later, until the answer shows
     * {@code ready} pods with values over the full window, then checks the proposal against the formula on
     * exactly those values.
     */
    JsonPath explained(String ns, String hpa, int ready, long targetMilli, int current) {
        JsonPath[] answer = new JsonPath[1];
        pods.awaitLoadsInStepFor(TestPods.A_WINDOW_AND_A_SCRAPE);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath json = Api.https().get(path(ns, hpa)).then().statusCode(200).extract().jsonPath();
            assertEquals(ready, json.getList("metrics[0].pods.ready").size(), json.prettify());
            assertEquals(Set.of(2), Set.copyOf(json.getList("metrics[0].pods.ready.windowSeconds")), json.prettify());
            answer[0] = json;
        });
        JsonPath json = answer[0];
        Map<String, Long> values = new HashMap<>();
        for (Map<String, Object> pod : json.<Map<String, Object>>getList("metrics[0].pods.ready")) {
            values.put((String) pod.get("name"), ((Number) pod.get("milliValue")).longValue());
            assertEquals("vllm", pod.get("source"));
            assertTrue(((String) pod.get("timestamp")).endsWith("Z"));
        }
        Set<String> running = new LinkedHashSet<>(values.keySet());
        running.addAll(json.getList("metrics[0].pods.missing.name"));
        Set<String> unready = new LinkedHashSet<>(json.getList("metrics[0].pods.unready.name"));
        assertEquals(HpaFormula.desiredReplicas(values, running, unready, targetMilli, current),
                json.getInt("metrics[0].proposal"), json.prettify());
        return json;
    }

    @Test
    void scaleUpWithAMissingPod() {
        String ns = "explain-up";
        hpa(ns, "llama", 3, 1, 10, "concurrency", "10");
        pods.ready(ns, "llama-a", "llama", loaded(20));
        pods.ready(ns, "llama-b", "llama", loaded(20));
        pods.notReady(ns, "llama-c", "llama", loaded(0)); // Running, loading its model: missing to the HPA

        JsonPath json = explained(ns, "llama-concurrency", 2, 10_000, 3);
        assertEquals("llama-c", json.getString("metrics[0].pods.missing[0].name"));
        assertTrue(json.getString("metrics[0].pods.missing[0].reason").startsWith("no value from the adapter: not ready"),
                json.getString("metrics[0].pods.missing[0].reason"));
        // about (20 + 20 + 0) / 3 / 10 = 1.33 → ceil(1.33 × 3) = 4, within max(2 × 3, 4) = 6
        assertEquals(4, json.getInt("decision.replicas"), json.prettify());
        assertEquals("DesiredWithinRange", json.getString("decision.reason"));
        assertEquals("HorizontalPodAutoscalerExplanation", json.getString("kind"));
        assertEquals("custom.metrics.k8s.io/v1beta2", json.getString("apiVersion"));
        assertEquals("app=isvc.llama-predictor", json.getString("hpa.selector"));
        assertEquals("Deployment/llama-predictor", json.getString("hpa.scaleTargetRef"));
        assertTrue(json.getString("conclusion").startsWith("the HPA will propose 4 replicas (up from 3) because "
                + "concurrency proposes 4: "), json.getString("conclusion"));
    }

    @Test
    void scaleDownWithAnUnreadyPod() {
        String ns = "explain-down";
        hpa(ns, "mnist", 3, 1, 10, "concurrency", "10");
        pods.ready(ns, "mnist-a", "mnist", loaded(2));
        pods.ready(ns, "mnist-b", "mnist", loaded(2));
        pending(ns, "mnist-c", "mnist");

        JsonPath json = explained(ns, "mnist-concurrency", 2, 10_000, 3);
        assertEquals(List.of("mnist-c"), json.getList("metrics[0].pods.unready.name"));
        assertEquals(List.of(), json.getList("metrics[0].pods.missing"));
        assertEquals(1, json.getInt("decision.replicas"), json.prettify()); // ceil(0.2 × 2 ready pods)
        assertTrue(json.getString("decision.note").contains("300 s"), json.getString("decision.note"));
        assertTrue(json.getString("conclusion").startsWith("the HPA will propose 1 replica (down from 3) because"),
                json.getString("conclusion"));
    }

    @Test
    void withinTheToleranceBand() {
        String ns = "explain-steady";
        hpa(ns, "bert", 2, 1, 10, "concurrency", "10");
        pods.ready(ns, "bert-a", "bert", loaded(10));
        pods.ready(ns, "bert-b", "bert", loaded(10));

        JsonPath json = explained(ns, "bert-concurrency", 2, 10_000, 2);
        assertEquals(2, json.getInt("decision.replicas"), json.prettify());
        assertTrue(json.getString("conclusion").startsWith("the HPA will propose 2 replicas (no change) because "
                + "concurrency proposes 2: the usage ratio "), json.getString("conclusion"));
        assertTrue(json.getString("conclusion").contains("is within the 0.1 tolerance of 1"));
    }

    @Test
    void maxReplicasClampsTheProposal() {
        String ns = "explain-max";
        hpa(ns, "t5", 2, 1, 3, "concurrency", "10");
        pods.ready(ns, "t5-a", "t5", loaded(40));
        pods.ready(ns, "t5-b", "t5", loaded(40));

        JsonPath json = explained(ns, "t5-concurrency", 2, 10_000, 2);
        assertEquals(8, json.getInt("decision.fromMetrics"), json.prettify()); // ceil(4.0 × 2)
        assertEquals(3, json.getInt("decision.replicas"));
        assertEquals("TooManyReplicas", json.getString("decision.reason"));
        assertTrue(json.getString("conclusion").endsWith(", but maxReplicas is 3"), json.getString("conclusion"));
    }

    @Test
    void minReplicasClampsTheProposal() {
        String ns = "explain-min";
        hpa(ns, "gpt", 3, 2, 10, "concurrency", "10");
        pods.ready(ns, "gpt-a", "gpt", pods.idle(Format.VLLM, Duration.ofMillis(200)));
        pods.ready(ns, "gpt-b", "gpt", pods.idle(Format.VLLM, Duration.ofMillis(200)));
        pods.ready(ns, "gpt-c", "gpt", pods.idle(Format.VLLM, Duration.ofMillis(200)));

        JsonPath json = explained(ns, "gpt-concurrency", 3, 10_000, 3);
        assertEquals(0, json.getInt("decision.fromMetrics"), json.prettify());
        assertEquals(2, json.getInt("decision.replicas"));
        assertEquals("TooFewReplicas", json.getString("decision.reason"));
    }

    @Test
    void aMetricTheAdapterDoesNotServeNamesTheClosest() {
        String ns = "explain-typo";
        hpa(ns, "typo", 1, 1, 10, "concurency", "10");
        pods.ready(ns, "typo-a", "typo", loaded(5));

        Api.https().get(path(ns, "typo-concurrency")).then().statusCode(200)
                .body("metrics[0].servedHere", equalTo(false))
                .body("metrics[0].error", equalTo("this adapter does not serve the metric concurency (did you mean "
                        + "concurrency?): the HPA gets a 404 and does not scale on it"))
                .body("decision.reason", equalTo("InvalidMetrics"))
                .body("conclusion", startsWith("the HPA will propose 1 replica (no change) because it cannot"));
    }

    @Test
    void anUnknownHpaIsNotFound() {
        Api.https().get(path("explain-none", "nothing")).then().statusCode(404)
                .body("kind", equalTo("Status"))
                .body("message", equalTo("horizontalpodautoscalers.autoscaling \"nothing\" not found"));
    }

    @Test
    void authorizedLikeTheMetrics() {
        String ns = "explain-auth";
        hpa(ns, "auth", 1, 1, 10, "concurrency", "10");
        pods.ready(ns, "auth-a", "auth", loaded(5));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                Api.proxied("carol", "viewers").get(path(ns, "auth-concurrency")).then().statusCode(200)
                        .body("metrics[0].pods.ready.size()", equalTo(1)));
        ResourceAttributes asked = ClusterReviews.lastReviewOf("carol").getResourceAttributes();
        assertEquals("custom.metrics.k8s.io", asked.getGroup());
        assertEquals("horizontalpodautoscalers.autoscaling", asked.getResource());
        assertEquals("explain", asked.getSubresource());
        assertEquals("auth-concurrency", asked.getName());
        assertEquals(ns, asked.getNamespace());
        assertEquals("get", asked.getVerb());

        String forbidden = "horizontalpodautoscalers.autoscaling.custom.metrics.k8s.io \"auth-concurrency\" is "
                + "forbidden: User \"%s\" cannot get resource \"horizontalpodautoscalers.autoscaling/explain\" in API "
                + "group \"custom.metrics.k8s.io\" in the namespace \"explain-auth\"";
        Api.proxied("bob", "dev").get(path(ns, "auth-concurrency")).then().statusCode(403)
                .body("message", equalTo(String.format(forbidden, "bob")));
        Api.anonymous().get(path(ns, "auth-concurrency")).then().statusCode(403)
                .body("message", equalTo(String.format(forbidden, "system:anonymous")));
        Api.anonymous().header("Authorization", "Bearer not-a-token").get(path(ns, "auth-concurrency")).then()
                .statusCode(401).body("message", containsString("Unauthorized"));
    }
}
