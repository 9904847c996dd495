package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CPU request the HPA divides by: app containers plus sidecars, and nothing when one container has none. */
class CpuRequestTest {

    static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("n").endMetadata().withNewSpec()
                .addNewContainer().withName("kserve-container").withNewResources()
                .addToRequests(Map.of("cpu", new Quantity("1500m"))).endResources().endContainer()
                .addNewContainer().withName("queue-proxy").withNewResources()
                .addToRequests(Map.of("cpu", new Quantity("25m"))).endResources().endContainer()
                .endSpec();
    }

    @Test
    void containersAndSidecarInitContainersAddUp() {
        Pod pod = pod().editSpec()
                .addNewInitContainer().withName("storage-initializer").withNewResources()
                .addToRequests(Map.of("cpu", new Quantity("1"))).endResources().endInitContainer()
                .addNewInitContainer().withName("agent").withRestartPolicy("Always").withNewResources()
                .addToRequests(Map.of("cpu", new Quantity("0.1"))).endResources().endInitContainer()
                .endSpec().build();
        CpuRequest request = CpuRequest.of(PodFieldsTest.asListed(pod));
        assertEquals(1625, request.millis(), "1500m + 25m + the sidecar's 100m; a plain init container not");
        assertNull(request.containerWithout());
    }

    @Test
    void aContainerWithoutARequestMakesItUnknown() {
        Pod pod = pod().editSpec().addNewContainer().withName("logger").endContainer().endSpec().build();
        assertEquals(new CpuRequest(0, "logger"), CpuRequest.of(PodFieldsTest.asListed(pod)));
    }

    @Test
    void fractionsOfAMillicoreRoundUpLikeGo() {
        Pod pod = new PodBuilder().withNewSpec().addNewContainer().withName("c").withNewResources()
                .addToRequests(Map.of("cpu", new Quantity("100u"))).endResources().endContainer().endSpec().build();
        assertEquals(1, CpuRequest.of(PodFieldsTest.asListed(pod)).millis());
    }

    /** Found by CpuRequestFuzzTest: "2K" threw out of the informer's handler, and the pod never entered the index. */
    @Test
    void aRequestThatIsNoNumberOfCoresMakesItUnknownInsteadOfThrowing() {
        for (String cpu : new String[] {"2K", "1e30", "-1"}) {
            Pod pod = pod().editSpec().addNewContainer().withName("odd").withNewResources()
                    .addToRequests(Map.of("cpu", new Quantity(cpu))).endResources().endContainer().endSpec().build();
            assertEquals(new CpuRequest(0, "odd"), CpuRequest.of(PodFieldsTest.asListed(pod)), cpu);
            assertEquals("odd", InferencePod.from(PodFieldsTest.asListed(pod)).withoutCpuRequest(), cpu);
        }
    }
}
