package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hpa.adapter.config.ResourceFields;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pod's JSON, as the API server sends it, read as the few fields the adapter keeps. */
class PodFieldsTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        ResourceFields.readAs(SERIALIZATION, PodFields.class);
    }

    /** What the pod informer gets for {@code pod}: its JSON read as PodFields. */
    static PodFields asListed(Pod pod) {
        return SERIALIZATION.unmarshal(SERIALIZATION.asJson(pod), PodFields.class);
    }

    @Test
    void aWholePodReadsAsTheFieldsTheAdapterUses() {
        Pod pod = new PodBuilder()
                .withNewMetadata().withNamespace("ml").withName("llama-0").withUid("u-1").withResourceVersion("42")
                .addToLabels("serving.kserve.io/inferenceservice", "llama")
                .addToAnnotations("prometheus.kserve.io/port", "8080")
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").withOperation("Update")
                        .withNewFieldsV1().addToAdditionalProperties("f:status", Map.of("f:podIP", Map.of()))
                        .endFieldsV1().build())
                .endMetadata()
                .withNewSpec().withNodeName("gpu-1")
                .addToContainers(new ContainerBuilder().withName("kserve-container").withImage("vllm")
                        .addNewEnv().withName("MODEL").withValue("llama").endEnv()
                        .addNewVolumeMount().withName("cache").withMountPath("/cache").endVolumeMount()
                        .withNewReadinessProbe().withNewHttpGet().withPath("/health").endHttpGet().endReadinessProbe()
                        .addNewPort().withName("http").withContainerPort(8080).endPort()
                        .withNewResources().addToRequests("cpu", new Quantity("1500m")).endResources().build())
                .addToInitContainers(new ContainerBuilder().withName("agent").withRestartPolicy("Always")
                        .withNewResources().addToRequests("cpu", new Quantity("100m")).endResources().build())
                .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
                .withNewAffinity().withNewNodeAffinity().endNodeAffinity().endAffinity()
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP("10.1.2.3").withHostIP("10.0.0.1")
                .addNewCondition().withType("Ready").withStatus("True")
                .withLastTransitionTime("2026-12-07T10:00:00Z").endCondition()
                .addNewContainerStatus().withName("kserve-container").withReady(true).endContainerStatus()
                .endStatus().build();

        PodFields fields = asListed(pod);

        assertEquals("llama-0", fields.getMetadata().getName());
        assertEquals("ml", fields.getMetadata().getNamespace());
        assertEquals("42", fields.getMetadata().getResourceVersion());
        assertEquals(Map.of("serving.kserve.io/inferenceservice", "llama"), fields.getMetadata().getLabels());
        assertEquals("8080", fields.getMetadata().getAnnotations().get("prometheus.kserve.io/port"));
        assertEquals("gpu-1", fields.getSpec().nodeName());
        PodFields.Container container = fields.getSpec().containers().get(0);
        assertEquals("kserve-container", container.name());
        assertEquals(List.of(new PodFields.Port("http", 8080)), container.ports());
        assertEquals(new Quantity("1500m"), container.resources().requests().get("cpu"));
        assertEquals(new PodFields.Container("agent", List.of(),
                new PodFields.Resources(Map.of("cpu", new Quantity("100m"))), "Always"),
                fields.getSpec().initContainers().get(0));
        assertEquals(new PodFields.Status("Running", "10.1.2.3",
                List.of(new PodFields.Condition("Ready", "True", "2026-12-07T10:00:00Z"))), fields.getStatus());

        InferencePod distilled = InferencePod.from(fields);
        assertEquals(1600, distilled.cpuRequestMillis(), "the app container and the sidecar");
        assertEquals(new MetricsEndpoint(MetricsEndpoint.Format.PROMETHEUS, 8080, "/metrics"), distilled.endpoint());
        assertEquals(true, distilled.ready());
    }

    @Test
    void absentPartsReadAsEmptyListsAndNulls() {
        PodFields bare = SERIALIZATION.unmarshal(
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}", PodFields.class);
        assertNull(bare.getSpec());
        assertNull(bare.getStatus());
        PodFields empty = SERIALIZATION.unmarshal(
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\"}],\"someFieldOfAFutureRelease\":{\"x\":1}},"
                + "\"status\":{}}", PodFields.class);
        assertEquals(List.of(new PodFields.Container("c", List.of(), null, null)), empty.getSpec().containers());
        assertEquals(List.of(), empty.getSpec().initContainers());
        assertEquals(new PodFields.Status(null, null, List.of()), empty.getStatus());
        assertEquals("v1", empty.getApiVersion());
        assertEquals("Pod", empty.getKind());
    }

    @Test
    void aWatchEventsPodIsReadAsPodFieldsNotAsAPodToConvert() {
        String event = "{\"type\":\"MODIFIED\",\"object\":" + SERIALIZATION.asJson(new PodBuilder().withNewMetadata()
                .withNamespace("ml").withName("llama-0").endMetadata().withNewStatus().withPodIP("10.1.2.3")
                .endStatus().build()) + "}";

        Object read = SERIALIZATION.unmarshal(event, WatchEvent.class).getObject();

        PodFields pod = assertInstanceOf(PodFields.class, read, "the informer's type, read in one step");
        assertEquals("10.1.2.3", pod.getStatus().podIP());
        assertInstanceOf(Pod.class, new KubernetesSerialization().unmarshal(event, WatchEvent.class).getObject(),
                "without readAs, a Pod (which the watch would then convert)");
    }
}
