package dev.hpa.adapter.derive;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Answers metric requests: the watched pods that a request selects, and their values at {@code now}. Which pods
 * count is decided here, from the informer, whatever the source of values: only ready pods that exist now are
 * answered, and every other pod is left out with a reason, because the HPA averages over every item it gets and a
 * 0 for a pod that is still loading would read as an idle pod. The values come from {@link PodValues}.
 */
@ApplicationScoped
public class PodMetrics {

    /** The metric label of every CPU value: what read it. */
    static final String KUBELET_SOURCE = "kubelet";

    private static final Uni<Void> NOTHING_TO_READ = Uni.createFrom().voidItem();

    private final PodIndex pods;
    private final PodValues values;
    private final String watched;

    public PodMetrics(PodIndex pods, PodValues values, AdapterConfig config) {
        this.pods = pods;
        this.values = values;
        this.watched = "among the pods the adapter watches (adapter.pods.label-selector="
                + config.pods().labelSelector() + ")";
    }

    /** One value per selected pod: {@code name} is a pod name or {@code *} for every pod matching {@code selector}. */
    public Uni<Answer> forPods(String namespace, String name, LabelSelector selector, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis) {
        Collection<InferencePod> candidates;
        if ("*".equals(name)) {
            candidates = select(namespace, pod -> selector.matches(pod.labels()));
        } else {
            InferencePod pod = pods.get(new PodKey(namespace, name));
            candidates = pod == null ? List.of() : List.of(pod);
        }
        PodReadings readings = new PodReadings();
        return read(namespace, candidates, metric, metricSelector, nowMillis, readings).map(read -> {
            List<MetricValue> values = new ArrayList<>(readings.readings().size());
            for (PodReadings.Reading r : readings.readings()) {
                double value = metric.utilization() ? percent(r.value(), r.pod().cpuRequestMillis()) : r.value();
                values.add(value(ObjectReference.pod(namespace, r.pod().key().name()), metric, r.source(),
                        r.atMillis(), r.windowSeconds(), value));
            }
            return new Answer(values, values.isEmpty()
                    ? readings.whyEmpty(describe(namespace, name, selector), watched) : null, readings.leftOut());
        });
    }

    /** The sum over the InferenceService's ready pods: what its Object metric means. */
    public Uni<Answer> forInferenceService(String namespace, String name, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis) {
        Collection<InferencePod> candidates = select(namespace, pod -> name.equals(pod.inferenceService()));
        return sum(namespace, ObjectReference.inferenceService(namespace, name), candidates, metric, metricSelector,
                nowMillis, "inferenceservice " + name + " in namespace " + namespace);
    }

    /** The sum over the namespace's ready inference pods. */
    public Uni<Answer> forNamespace(String namespace, ServedMetric metric, LabelSelector metricSelector,
            long nowMillis) {
        return sum(namespace, ObjectReference.namespace(namespace), pods.inNamespace(namespace), metric,
                metricSelector, nowMillis, "namespace " + namespace);
    }

    private Uni<Answer> sum(String namespace, ObjectReference object, Collection<InferencePod> candidates,
            ServedMetric metric, LabelSelector metricSelector, long nowMillis, String what) {
        PodReadings readings = new PodReadings();
        return read(namespace, candidates, metric, metricSelector, nowMillis, readings).map(read -> {
            if (readings.readings().isEmpty()) {
                return new Answer(List.of(), readings.whyEmpty(what, watched), readings.leftOut());
            }
            double total = 0;
            long requested = 0;
            long newest = Long.MIN_VALUE;
            long window = 0;
            for (PodReadings.Reading r : readings.readings()) {
                total += r.value();
                requested += r.pod().cpuRequestMillis();
                newest = Math.max(newest, r.atMillis());
                window = Math.max(window, r.windowSeconds());
            }
            // Utilization of a group is its CPU over its requests, as the HPA computes it, not a sum of percentages.
            double value = metric.utilization() ? percent(total, requested) : total;
            String source = readings.readings().stream().map(PodReadings.Reading::source).distinct().count() == 1
                    ? readings.readings().get(0).source() : "mixed";
            return new Answer(List.of(value(object, metric, source, newest, window, value)), null,
                    readings.leftOut());
        });
    }

    /**
     * Leaves out the pods that cannot have a value whatever the source says, and asks the source for the rest;
     * no pod left, no question asked.
     */
    private Uni<Void> read(String namespace, Collection<InferencePod> candidates, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis, PodReadings readings) {
        List<InferencePod> eligible = new ArrayList<>(candidates.size());
        for (InferencePod pod : candidates) {
            String reason = membership(pod, metric);
            if (reason == null) {
                eligible.add(pod);
            } else {
                readings.leaveOut(pod, reason);
            }
        }
        return eligible.isEmpty() ? NOTHING_TO_READ
                : values.read(namespace, eligible, metric, metricSelector, nowMillis, readings);
    }

    /** Why the pod has no place in an answer for {@code metric}, or null when it has. */
    private static String membership(InferencePod pod, ServedMetric metric) {
        if (!pod.ready()) {
            return "not ready";
        }
        if (metric.cpu() && pod.nodeName() == null) {
            return "not on a node yet";
        }
        if (metric.utilization() && pod.withoutCpuRequest() != null) {
            return "container " + pod.withoutCpuRequest() + " has no CPU request, so the pod has no "
                    + metric.metricName() + " (as for the HPA's Resource metrics)";
        }
        return null;
    }

    private static double percent(double cores, long requestMillis) {
        return cores * 1000 * 100 / requestMillis;
    }

    private List<InferencePod> select(String namespace, Predicate<InferencePod> filter) {
        List<InferencePod> selected = new ArrayList<>();
        for (InferencePod pod : pods.inNamespace(namespace)) {
            if (filter.test(pod)) {
                selected.add(pod);
            }
        }
        return selected;
    }

    private static MetricValue value(ObjectReference object, ServedMetric metric, String source, long timestamp,
            long windowSeconds, double value) {
        return new MetricValue(object, metric.metricName(), metricLabels(source),
                Instant.ofEpochSecond(Math.floorDiv(timestamp, 1000)), windowSeconds, Math.round(value * 1000));
    }

    static Map<String, String> metricLabels(String source) {
        return Map.of("source", Objects.requireNonNullElse(source, ""));
    }

    private static String describe(String namespace, String name, LabelSelector selector) {
        if (!"*".equals(name)) {
            return "pod " + name + " in namespace " + namespace;
        }
        return "pods" + (selector.isEverything() ? "" : " matching " + selector) + " in namespace " + namespace;
    }
}
