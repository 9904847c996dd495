package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each misconfiguration of an HPA that reads this adapter's metrics gives one Event with the right reason and
 * message, on the HPA (and on the InferenceService where that is what to fix), once: while the adapter checks
 * every second (the test interval), the Event's count grows, no second Event appears.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class HpaEventsTest {

    static final ResourceDefinitionContext INFERENCE_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup("serving.kserve.io").withVersion("v1beta1").withKind("InferenceService")
            .withPlural("inferenceservices").withNamespaced(true).build();

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
    }

    @AfterEach
    void stop() throws Exception {
        k8s.getClient().autoscaling().v2().horizontalPodAutoscalers().inAnyNamespace().delete();
        pods.close();
    }

    static MetricSpec podsMetric(String name) {
        return new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric().withName(name).endMetric()
                .withNewTarget().withType("AverageValue").withAverageValue(new Quantity("10")).endTarget().endPods()
                .build();
    }

    /** An HPA on {@code isvc}'s predictor Deployment, whose scale selects the predictor's pods. */
    void hpa(String ns, String name, String isvc, MetricSpec metric) {
        String deployment = isvc + "-predictor";
        k8s.expect().get().withPath("/apis/apps/v1/namespaces/" + ns + "/deployments/" + deployment + "/scale")
                .andReturn(200, new ScaleBuilder().withNewMetadata().withNamespace(ns).withName(deployment)
                        .endMetadata().withNewSpec().withReplicas(1).endSpec().withNewStatus().withReplicas(1)
                        .withSelector("app=isvc." + isvc + "-predictor").endStatus().build())
                .always();
        k8s.getClient().autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(
                new HorizontalPodAutoscalerBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                        .withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(deployment).endScaleTargetRef().withMinReplicas(1).withMaxReplicas(10)
                        .withMetrics(metric).endSpec().build())
                .create();
    }

    void inferenceService(String ns, String name, Map<String, String> annotations) {
        k8s.getClient().genericKubernetesResources(INFERENCE_SERVICES).inNamespace(ns).resource(
                new GenericKubernetesResourceBuilder().withApiVersion("serving.kserve.io/v1beta1")
                        .withKind("InferenceService").withNewMetadata().withNamespace(ns).withName(name)
                        .withAnnotations(annotations).endMetadata().build())
                .create();
    }

    List<Event> events(String ns, String kind, String name, String reason) {
        return k8s.getClient().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName())
                        && reason.equals(e.getReason()))
                .toList();
    }

    /** Exactly one Event with this reason, and it has been seen again (count ≥ 2) without a second one. */
    Event once(String ns, String kind, String name, String reason) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            List<Event> found = events(ns, kind, name, reason);
            assertEquals(1, found.size(), "events " + reason + ": " + found);
            assertTrue(found.get(0).getCount() >= 2, "seen again: " + found.get(0).getCount());
        });
        List<Event> found = events(ns, kind, name, reason);
        assertEquals(1, found.size());
        assertEquals("hpa-metrics-adapter", found.get(0).getSource().getComponent());
        return found.get(0);
    }

    @Test
    void anUnknownMetricNameNamesTheClosestServedOne() {
        String ns = "events-typo";
        hpa(ns, "llama-concurrency", "llama", podsMetric("concurency"));
        pods.ready(ns, "llama-a", "llama", pods.idle(Format.VLLM, Duration.ofMillis(100)));
        Event event = once(ns, "HorizontalPodAutoscaler", "llama-concurrency", "UnknownMetric");
        assertEquals("Warning", event.getType());
        assertEquals("metric concurency is not served by hpa-metrics-adapter; did you mean concurrency? (served: "
                + "concurrency, concurrency_stable, rps, rps_stable, cpu, cpu_stable, cpu_utilization, "
                + "cpu_utilization_stable)", event.getMessage());
    }

    @Test
    void aSelectorMatchingNoInferencePod() {
        String ns = "events-nopods";
        hpa(ns, "ghost-concurrency", "ghost", podsMetric("concurrency"));
        Event event = once(ns, "HorizontalPodAutoscaler", "ghost-concurrency", "NoInferencePods");
        assertEquals("the selector app=isvc.ghost-predictor of Deployment/ghost-predictor matches no inference pod "
                + "this adapter watches, so concurrency has no values (0 pod(s) match it)", event.getMessage());
    }

    @Test
    void aPodLeftOutAndWhy() {
        String ns = "events-leftout";
        hpa(ns, "bert-concurrency", "bert", podsMetric("concurrency"));
        inferenceService(ns, "bert", Map.of("serving.kserve.io/autoscalerClass", "external"));
        pods.ready(ns, "bert-a", "bert", pods.idle(Format.VLLM, Duration.ofMillis(100)));
        pods.notReady(ns, "bert-b", "bert", pods.idle(Format.VLLM, Duration.ofMillis(100)));
        Event event = once(ns, "HorizontalPodAutoscaler", "bert-concurrency", "PodLeftOut");
        assertEquals("Normal", event.getType());
        assertEquals("pod bert-b is left out of concurrency: no value from the adapter: not ready", event.getMessage());
        assertEquals(List.of(), events(ns, "HorizontalPodAutoscaler", "bert-concurrency", "AutoscalerClassNotExternal"));
    }

    @Test
    void cpuUtilizationOnPodsWithoutACpuRequest() {
        String ns = "events-cpu";
        hpa(ns, "t5-cpu", "t5", podsMetric("cpu_utilization"));
        pods.onNode(ns, "t5-a", "t5", "node-a", null);
        Event event = once(ns, "HorizontalPodAutoscaler", "t5-cpu", "MissingCpuRequest");
        assertEquals("pod(s) t5-a have a container without a CPU request, so they have no cpu_utilization (a "
                + "percent of the request) and the HPA counts them as missing; set resources.requests.cpu on every "
                + "container, or scale on cpu (cores)", event.getMessage());
    }

    @Test
    void kserveRawModeRules() {
        String ns = "events-kserve";
        hpa(ns, "mnist-predictor", "mnist", podsMetric("concurrency"));
        inferenceService(ns, "mnist", Map.of("serving.kserve.io/deploymentMode", "RawDeployment"));
        pods.ready(ns, "mnist-a", "mnist", pods.idle(Format.VLLM, Duration.ofMillis(100)));
        Event named = once(ns, "HorizontalPodAutoscaler", "mnist-predictor", "KServeOwnsThisHpaName");
        assertEquals("this HPA is named mnist-predictor, the name KServe gives the HPA of InferenceService mnist in "
                + "raw mode: KServe takes it over and rewrites it; give it another name (e.g. mnist-concurrency)",
                named.getMessage());
        String external = "InferenceService mnist has serving.kserve.io/autoscalerClass: (unset, KServe's default "
                + "hpa), so KServe manages the predictor's replicas too and fights HPA mnist-predictor; set it to "
                + "external (not none, which keeps resetting the replicas)";
        assertEquals(external, once(ns, "HorizontalPodAutoscaler", "mnist-predictor", "AutoscalerClassNotExternal")
                .getMessage());
        Event onIsvc = once(ns, "InferenceService", "mnist", "AutoscalerClassNotExternal");
        assertEquals(external, onIsvc.getMessage());
        assertEquals("serving.kserve.io/v1beta1", onIsvc.getInvolvedObject().getApiVersion());
    }

    @Test
    void valueWhereAverageValueWasMeant() {
        String ns = "events-value";
        hpa(ns, "gpt-total", "gpt", new MetricSpecBuilder().withType("Object").withNewObject().withNewMetric()
                .withName("concurrency").endMetric().withNewDescribedObject().withApiVersion("serving.kserve.io/v1beta1")
                .withKind("InferenceService").withName("gpt").endDescribedObject().withNewTarget().withType("Value")
                .withValue(new Quantity("10")).endTarget().endObject().build());
        pods.ready(ns, "gpt-a", "gpt", pods.idle(Format.VLLM, Duration.ofMillis(100)));
        Event event = once(ns, "HorizontalPodAutoscaler", "gpt-total", "ValueTargetOnSum");
        assertEquals("Object metric concurrency of InferenceService/gpt is the sum over its pods, and target type "
                + "Value 10 makes the HPA multiply value/target by the ready pods, so the proposal grows with the pod "
                + "count, not the load (a sum of 50 asks for 5 replicas from 1 pod, 25 from 5); "
                + "use target type AverageValue 10 (per pod)", event.getMessage());
    }
}
