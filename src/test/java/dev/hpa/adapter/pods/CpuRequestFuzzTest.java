package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the CPU requests of a pod spec as the informer delivers them: quantity strings the
 * API server stored (or a broken or hostile one sends), summed for the HPA's utilization.
 */
class CpuRequestFuzzTest {

    /**
     * Any pod distils without an exception (the informer's handler must never throw), and a CPU request is either
     * a non-negative number of millicores or unknown with the container that lacks one named.
     */
    @FuzzTest
    void of(FuzzedDataProvider data) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("n").endMetadata();
        var spec = pod.withNewSpec();
        int containers = data.consumeInt(0, 3);
        for (int i = 0; i < containers; i++) {
            Quantity cpu;
            try {
                cpu = new Quantity(data.consumeString(40));
            } catch (IllegalArgumentException notAQuantity) {
                return; // fabric8 cannot even build it: no informer could hand such a pod to the adapter
            }
            spec.addNewContainer().withName("c" + i).withNewResources()
                    .addToRequests(Map.of("cpu", cpu)).endResources().endContainer();
        }
        Pod built = spec.endSpec().build();
        CpuRequest request = CpuRequest.of(PodFieldsTest.asListed(built));
        assertTrue(request.millis() >= 0, "negative request " + request);
        if (request.containerWithout() == null) {
            assertTrue(containers > 0);
        } else {
            assertTrue(request.millis() == 0, "unknown yet counted: " + request);
        }
        InferencePod distilled = InferencePod.from(PodFieldsTest.asListed(built));
        assertNotNull(distilled);
        if (distilled.withoutCpuRequest() != null) {
            assertTrue(distilled.cpuRequestMillis() == 0);
        } else {
            assertNull(request.containerWithout());
        }
    }
}
