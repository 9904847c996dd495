package dev.hpa.adapter.explain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Why an HPA scales as it does: the JSON answer of {@code .../horizontalpodautoscalers.autoscaling/<name>/explain}.
 * The field names are a public interface (README, "Explain"): add fields, never rename them.
 *
 * @param conclusion one sentence: "the HPA will propose N replica(s) because …"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Explanation(
        String kind,
        String apiVersion,
        Hpa hpa,
        String time,
        List<Metric> metrics,
        Decision decision,
        String conclusion) {

    public static final String KIND = "HorizontalPodAutoscalerExplanation";

    /**
     * The HPA and its scale target as the controller reads them.
     *
     * @param scaleTargetRef  {@code Kind/name}
     * @param selector        the scale subresource's {@code status.selector}: the pods the controller groups
     * @param currentReplicas the scale's {@code spec.replicas}, which the controller calls current
     * @param behavior        whether {@code spec.behavior} is set (it changes the scale-up limit)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hpa(String namespace, String name, String scaleTargetRef, String selector, int currentReplicas,
            int minReplicas, int maxReplicas, boolean behavior) {}

    /**
     * One entry of {@code spec.metrics}, in order.
     *
     * @param type            Pods, Object, Resource, ContainerResource or External
     * @param name            the metric name the HPA asks for
     * @param servedHere      whether this adapter answers it (only Pods and Object metrics it serves)
     * @param metricSelector  the metric's {@code selector}, as the metricLabelSelector the HPA sends
     * @param describedObject for an Object metric, {@code Kind/name}
     * @param target          e.g. {@code AverageValue 10}
     * @param value           an Object metric's value, with its source
     * @param pods            a Pods metric's pods, grouped as the controller groups them
     * @param steps           the controller's computation, one step per line
     * @param proposal        the replica count this metric proposes; null when it has none
     * @param because         why, as a clause
     * @param error           why the controller gets no proposal from it, in the controller's words where it has them
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metric(String type, String name, boolean servedHere, String metricSelector, String describedObject,
            String target, Value value, Pods pods, List<String> steps, Integer proposal, String because,
            String error) {}

    /** Pods matching the scale target's selector: {@code groupPods}' four classes. */
    public record Pods(List<ReadyPod> ready, List<LeftOutPod> unready, List<LeftOutPod> missing,
            List<LeftOutPod> ignored) {}

    /**
     * A pod with a value in the adapter's answer.
     *
     * @param value         the Quantity the HPA reads ({@code "49200m"})
     * @param source        the recipe that read it ({@code torchserve}, {@code queue-proxy}, {@code kubelet})
     * @param timestamp     when the newest page behind it was read (RFC 3339, seconds, as in the API answer)
     * @param windowSeconds the span it averages over
     */
    public record ReadyPod(String name, String value, long milliValue, String source, String timestamp,
            long windowSeconds) {}

    /**
     * A pod the controller counts without a value of its own.
     *
     * @param phase  its phase as the controller sees it
     * @param reason why the adapter's answer has no value for it, or why the controller drops it
     */
    public record LeftOutPod(String name, String phase, String reason) {}

    /** An Object metric's one value. */
    public record Value(String value, long milliValue, String source, String timestamp, long windowSeconds) {}

    /**
     * What the controller does with the metrics' proposals.
     *
     * @param fromMetrics the largest proposal of the metrics (the HPA takes the largest); null when none has one
     * @param metric      the metric that proposed it
     * @param replicas    what the HPA will ask the scale target for
     * @param reason      the controller's ScalingLimited reason: DesiredWithinRange, ScaleUpLimit,
     *                    TooManyReplicas, TooFewReplicas, ScaleDownLimit, or InvalidMetrics, ScalingDisabled
     * @param steps       the limits applied, in order
     * @param note        what the controller may still do that this answer cannot replay
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Decision(Integer fromMetrics, String metric, int replicas, String reason, List<String> steps,
            String note) {}
}
