package dev.hpa.adapter.pods;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What the adapter needs to know of one watched pod, distilled once per informer event so that neither the
 * scrape path nor the request path ever reads the pod's object.
 *
 * @param labels             the pod's labels, for label selectors
 * @param ip                 the pod IP, or null before one is assigned
 * @param ready              Running, Ready, with an IP and not terminating: the only pods scraped and reported
 * @param endpoint           where its load is published, or null when it publishes none we can read
 * @param endpointProblem    why {@code endpoint} is null, for the log and for error messages; null when it is set
 * @param inferenceService   the value of the {@code serving.kserve.io/inferenceservice} label, or null
 * @param nodeName           the node it is scheduled on, whose kubelet reports its CPU; null while pending
 * @param cpuRequestMillis   the sum of its containers' CPU requests in millicores, as the HPA counts them
 *                           (restartable init containers included); 0 when {@code withoutCpuRequest} is set
 * @param withoutCpuRequest  the first container with no CPU request, or null: such a pod has no CPU utilization
 * @param readySinceMillis   when its Ready condition last turned True (the kubelet's clock), or
 *                           {@link Long#MIN_VALUE} when not ready or not said: when a Service began sending it load
 */
public record InferencePod(
        PodKey key,
        String uid,
        Map<String, String> labels,
        String ip,
        boolean ready,
        MetricsEndpoint endpoint,
        String endpointProblem,
        String inferenceService,
        String nodeName,
        long cpuRequestMillis,
        String withoutCpuRequest,
        long readySinceMillis) {

    static final String INFERENCE_SERVICE_LABEL = "serving.kserve.io/inferenceservice";

    /** Distils a pod as the informer delivers it. */
    public static InferencePod from(PodFields pod) {
        var meta = pod.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : Map.copyOf(meta.getLabels());
        PodFields.Status status = pod.getStatus();
        String ip = status == null ? null : blankToNull(status.podIP());
        MetricsEndpoint.Lookup lookup = MetricsEndpoint.of(pod);
        CpuRequest request = CpuRequest.of(pod);
        boolean ready = isReady(pod, ip);
        return new InferencePod(
                new PodKey(meta.getNamespace(), meta.getName()),
                meta.getUid(),
                labels,
                ip,
                ready,
                lookup.endpoint(),
                lookup.problem(),
                labels.get(INFERENCE_SERVICE_LABEL),
                pod.getSpec() == null ? null : blankToNull(pod.getSpec().nodeName()),
                request.millis(),
                request.containerWithout(),
                ready ? readySince(status) : Long.MIN_VALUE);
    }

    /**
     * Only a Running, Ready pod with an IP that is not being deleted carries load worth reporting. A pod still
     * loading its model is not Ready; the HPA would count a value from it as a ready pod at that load.
     */
    private static boolean isReady(PodFields pod, String ip) {
        PodFields.Status status = pod.getStatus();
        if (ip == null || status == null || pod.getMetadata().getDeletionTimestamp() != null
                || !"Running".equals(status.phase())) {
            return false;
        }
        return status.conditions().stream()
                .anyMatch(c -> "Ready".equals(c.type()) && "True".equals(c.status()));
    }

    private static long readySince(PodFields.Status status) {
        for (PodFields.Condition c : status.conditions()) {
            if ("Ready".equals(c.type()) && c.lastTransitionTime() != null) {
                try {
                    return Instant.parse(c.lastTransitionTime()).toEpochMilli();
                } catch (DateTimeParseException e) {
                    return Long.MIN_VALUE; // the API server writes RFC 3339; anything else says nothing
                }
            }
        }
        return Long.MIN_VALUE;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Ready and publishing load somewhere we can read it. */
    public boolean scrapable() {
        return ready && endpoint != null;
    }
}
