package dev.hpa.adapter.pods;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's CPU request the way the HPA adds it up for a utilization target: every app container, plus init
 * containers that keep running beside them (sidecars, {@code restartPolicy: Always}). One container without a
 * request makes the pod's utilization unknown, as the HPA's "missing request for cpu" does.
 *
 * @param millis           the sum in millicores, rounded up like Go's {@code MilliValue()}; 0 when unknown
 * @param containerWithout the first container with no CPU request, or null; one that is no number of cores (a
 *                         spelling fabric8 cannot read, past int64, negative) counts as none
 */
record CpuRequest(long millis, String containerWithout) {

    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    static CpuRequest of(PodFields pod) {
        if (pod.getSpec() == null) {
            return new CpuRequest(0, "(no spec)");
        }
        List<PodFields.Container> counted = new ArrayList<>(pod.getSpec().containers());
        for (PodFields.Container init : pod.getSpec().initContainers()) {
            if ("Always".equals(init.restartPolicy())) {
                counted.add(init);
            }
        }
        long millis = 0;
        for (PodFields.Container container : counted) {
            Quantity cpu = container.resources() == null || container.resources().requests() == null
                    ? null : container.resources().requests().get("cpu");
            if (cpu == null) {
                return new CpuRequest(0, container.name());
            }
            long containerMillis;
            try {
                containerMillis = Quantity.getAmountInBytes(cpu).multiply(THOUSAND).setScale(0, RoundingMode.CEILING)
                        .longValueExact();
                millis = Math.addExact(millis, containerMillis);
            } catch (IllegalArgumentException | ArithmeticException unreadable) {
                // fabric8 reads fewer spellings than Go ("2K"), and a sum past int64 has no utilization either: the
                // pod's CPU utilization is unknown, and the informer's handler must not throw over one pod.
                return new CpuRequest(0, container.name());
            }
            if (containerMillis < 0) {
                return new CpuRequest(0, container.name()); // the API server refuses these; a negative share is no share
            }
        }
        return counted.isEmpty() ? new CpuRequest(0, "(no containers)") : new CpuRequest(millis, null);
    }
}
