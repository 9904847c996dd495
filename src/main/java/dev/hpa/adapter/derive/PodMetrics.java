package dev.hpa.adapter.derive;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.CpuSeries;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.PodSeries;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Answers metric requests: the watched pods that a request selects, times their sample windows, at {@code now}.
 * Only ready pods with fresh samples are answered; every other pod is left out with a reason, because the HPA
 * averages over every item it gets and a 0 for a pod that is still loading would read as an idle pod.
 */
@ApplicationScoped
public class PodMetrics {

    /** How many left-out pods an explanation names before it just counts the rest. */
    private static final int REASONS_SHOWN = 5;

    /** The metric label of every CPU value: what read it. */
    static final String KUBELET_SOURCE = "kubelet";

    private final PodIndex pods;
    private final SampleStore store;
    private final CpuStore cpu;
    private final long stableMillis;
    private final long burstMillis;
    private final DistributionSummary servedAge;
    private final String watched;

    public PodMetrics(PodIndex pods, SampleStore store, CpuStore cpu, AdapterConfig config, MeterRegistry registry) {
        this.pods = pods;
        this.store = store;
        this.cpu = cpu;
        this.stableMillis = config.window().stable().toMillis();
        this.burstMillis = config.window().burst().toMillis();
        this.watched = "among the pods the adapter watches (adapter.pods.label-selector="
                + config.pods().labelSelector() + ")";
        this.servedAge = DistributionSummary.builder("adapter.served.sample.age")
                .description("Age of the newest sample behind each value served, in seconds")
                .baseUnit("seconds")
                .register(registry);
    }

    /** One value per selected pod: {@code name} is a pod name or {@code *} for every pod matching {@code selector}. */
    public Answer forPods(String namespace, String name, LabelSelector selector, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis) {
        Collection<InferencePod> candidates;
        if ("*".equals(name)) {
            candidates = select(namespace, pod -> selector.matches(pod.labels()));
        } else {
            InferencePod pod = pods.get(new PodKey(namespace, name));
            candidates = pod == null ? List.of() : List.of(pod);
        }
        Evaluation eval = evaluate(candidates, metric, metricSelector, nowMillis);
        List<MetricValue> values = new ArrayList<>(eval.included.size());
        for (int i = 0; i < eval.included.size(); i++) {
            InferencePod pod = eval.included.get(i);
            double value = metric.utilization()
                    ? percent(eval.averages[i], pod.cpuRequestMillis()) : eval.averages[i];
            values.add(value(ObjectReference.pod(namespace, pod.key().name()), metric, eval.sources.get(i),
                    eval.timestamps[i], eval.windowSeconds[i], value));
        }
        return new Answer(values, values.isEmpty() ? eval.whyEmpty(describe(namespace, name, selector)) : null,
                eval.leftOutPods);
    }

    /** The sum over the InferenceService's ready pods: what its Object metric means. */
    public Answer forInferenceService(String namespace, String name, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis) {
        Collection<InferencePod> candidates = select(namespace, pod -> name.equals(pod.inferenceService()));
        return sum(ObjectReference.inferenceService(namespace, name), candidates, metric, metricSelector, nowMillis,
                "inferenceservice " + name + " in namespace " + namespace);
    }

    /** The sum over the namespace's ready inference pods. */
    public Answer forNamespace(String namespace, ServedMetric metric, LabelSelector metricSelector, long nowMillis) {
        return sum(ObjectReference.namespace(namespace), pods.inNamespace(namespace), metric, metricSelector,
                nowMillis, "namespace " + namespace);
    }

    private Answer sum(ObjectReference object, Collection<InferencePod> candidates, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis, String what) {
        Evaluation eval = evaluate(candidates, metric, metricSelector, nowMillis);
        if (eval.included.isEmpty()) {
            return new Answer(List.of(), eval.whyEmpty(what), eval.leftOutPods);
        }
        double total = 0;
        long requested = 0;
        long newest = Long.MIN_VALUE;
        long window = 0;
        for (int i = 0; i < eval.included.size(); i++) {
            total += eval.averages[i];
            requested += eval.included.get(i).cpuRequestMillis();
            newest = Math.max(newest, eval.timestamps[i]);
            window = Math.max(window, eval.windowSeconds[i]);
        }
        // Utilization of a group is its CPU over its requests, as the HPA computes it, not a sum of percentages.
        double value = metric.utilization() ? percent(total, requested) : total;
        String source = eval.sources.stream().distinct().count() == 1 ? eval.sources.get(0) : "mixed";
        return new Answer(List.of(value(object, metric, source, newest, window, value)), null, eval.leftOutPods);
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

    /** CPU comes from the kubelets, everything else from the pods' own pages. */
    private Evaluation evaluate(Collection<InferencePod> candidates, ServedMetric metric,
            LabelSelector metricSelector, long now) {
        return metric.cpu() ? evaluateCpu(candidates, metric, metricSelector, now)
                : evaluateLoad(candidates, metric, metricSelector, now);
    }

    /**
     * Averages each answering pod (one with a value for the signal) over the window, with one rule: no pod's
     * window reaches back past the moment the newest answering pod began to be read. When pods join, load moves
     * to them, and a window that still remembers, in the old pods, the load from before would count it twice;
     * the HPA multiplies the per-pod average by the pod count and would overshoot. An old pod whose only
     * observations straddle that moment is left out until its next scrape: the HPA treats a missing pod
     * conservatively, a doubled one it does not.
     */
    private Evaluation evaluateLoad(Collection<InferencePod> candidates, ServedMetric metric,
            LabelSelector metricSelector, long now) {
        Evaluation eval = new Evaluation(candidates.size());
        List<PodSeries> series = new ArrayList<>(candidates.size());
        long joinedLast = Long.MIN_VALUE;
        String newest = null;
        long windowFrom = now - (metric.stable() ? stableMillis : burstMillis);
        double[] full = new double[candidates.size()];
        for (InferencePod pod : candidates) {
            PodSeries s = store.get(pod.key());
            String reason = reasonLeftOut(pod, s, metricSelector, now);
            double average = reason == null ? s.average(metric.signal(), windowFrom, now) : Double.NaN;
            if (reason == null && Double.isNaN(average)) {
                // Not answering yet (a counter needs two reads): it neither counts nor restarts anyone's window,
                // or one new pod would leave every pod out of the answer until its second read.
                reason = "no " + metric.signal().name().toLowerCase() + " value yet from its " + s.source()
                        + " metrics";
            }
            if (reason != null) {
                eval.leaveOut(pod, reason);
                continue;
            }
            full[series.size()] = average;
            eval.included.add(pod);
            series.add(s);
            if (s.observedSince() > joinedLast) {
                joinedLast = s.observedSince();
                newest = pod.key().name();
            }
        }
        boolean restarted = joinedLast > windowFrom;
        long windowSeconds = ((restarted ? now - joinedLast : now - windowFrom) + 999) / 1000;
        eval.sized(series.size());
        int kept = 0;
        for (int i = 0; i < series.size(); i++) {
            PodSeries s = series.get(i);
            boolean older = restarted && s.observedSince() < joinedLast;
            double average = older ? s.averageSince(metric.signal(), joinedLast, now) : full[i];
            if (Double.isNaN(average)) {
                eval.leaveOut(eval.included.get(i), "its window restarted " + (now - joinedLast) + "ms ago when "
                        + newest + " began answering; the next scrape gives it a value");
                continue;
            }
            eval.included.set(kept, eval.included.get(i));
            eval.sources.add(s.source());
            eval.averages[kept] = average;
            eval.timestamps[kept] = s.lastReadAt();
            eval.windowSeconds[kept] = windowSeconds;
            servedAge.record((now - s.lastReadAt()) / 1000.0);
            kept++;
        }
        eval.included.subList(kept, eval.included.size()).clear();
        return eval;
    }

    /**
     * Each ready pod's CPU over the window ending at its kubelet's newest sample. No membership rule here: the
     * kubelet's samples are 10-15 s apart, so CPU cannot tell a moved load from a new one within a scrape or two;
     * the HPA's own CPU path (metrics-server) has the same resolution.
     */
    private Evaluation evaluateCpu(Collection<InferencePod> candidates, ServedMetric metric,
            LabelSelector metricSelector, long now) {
        Evaluation eval = new Evaluation(candidates.size());
        eval.sized(candidates.size());
        long windowMillis = metric.stable() ? stableMillis : burstMillis;
        for (InferencePod pod : candidates) {
            CpuSeries s = cpu.get(pod.key());
            String reason = reasonWithoutCpu(pod, s, metric, metricSelector, now);
            CpuSeries.Average average = reason == null ? s.average(windowMillis, now) : null;
            if (reason == null && average == null) {
                reason = "fewer than two CPU samples yet from the kubelet of node " + pod.nodeName();
            }
            if (reason != null) {
                eval.leaveOut(pod, reason);
                continue;
            }
            int i = eval.included.size();
            eval.included.add(pod);
            eval.sources.add(KUBELET_SOURCE);
            eval.averages[i] = average.cores();
            eval.timestamps[i] = average.atMillis();
            eval.windowSeconds[i] = (average.coveredMillis() + 999) / 1000;
        }
        return eval;
    }

    private String reasonWithoutCpu(InferencePod pod, CpuSeries series, ServedMetric metric,
            LabelSelector metricSelector, long now) {
        if (!pod.ready()) {
            return "not ready";
        }
        if (pod.nodeName() == null) {
            return "not on a node yet";
        }
        if (metric.utilization() && pod.withoutCpuRequest() != null) {
            return "container " + pod.withoutCpuRequest() + " has no CPU request, so the pod has no "
                    + metric.metricName() + " (as for the HPA's Resource metrics)";
        }
        if (series == null) {
            return "no CPU yet from the kubelet of node " + pod.nodeName();
        }
        if (!series.fresh(now)) {
            String problem = series.problem();
            return problem != null ? problem : "no successful read of the kubelet of node " + pod.nodeName()
                    + " in the last " + cpu.staleAfterMillis() / 1000.0 + "s";
        }
        if (!metricSelector.matches(metricLabels(KUBELET_SOURCE))) {
            return "its metric labels {source=" + KUBELET_SOURCE + "} do not match metricLabelSelector "
                    + metricSelector;
        }
        return null;
    }

    private String reasonLeftOut(InferencePod pod, PodSeries series, LabelSelector metricSelector, long now) {
        if (!pod.ready()) {
            return "not ready";
        }
        if (pod.endpoint() == null) {
            return pod.endpointProblem();
        }
        if (series == null) {
            return "not scraped yet";
        }
        if (!series.fresh(now)) {
            String problem = series.problem();
            return problem != null ? "scrape failing: " + problem
                    : "no successful scrape in the last " + store.staleAfterMillis() / 1000.0 + "s";
        }
        if (!metricSelector.matches(metricLabels(series.source()))) {
            return "its metric labels {source=" + series.source() + "} do not match metricLabelSelector "
                    + metricSelector;
        }
        return null;
    }

    private MetricValue value(ObjectReference object, ServedMetric metric, String source, long timestamp,
            long windowSeconds, double value) {
        return new MetricValue(object, metric.metricName(), metricLabels(source),
                Instant.ofEpochSecond(Math.floorDiv(timestamp, 1000)), windowSeconds, Math.round(value * 1000));
    }

    private static Map<String, String> metricLabels(String source) {
        return Map.of("source", Objects.requireNonNullElse(source, ""));
    }

    private static String describe(String namespace, String name, LabelSelector selector) {
        if (!"*".equals(name)) {
            return "pod " + name + " in namespace " + namespace;
        }
        return "pods" + (selector.isEverything() ? "" : " matching " + selector) + " in namespace " + namespace;
    }

    /** Pods kept for an answer and the reasons for the rest. */
    private final class Evaluation {
        final List<InferencePod> included;
        final List<String> sources = new ArrayList<>();
        final List<String> reasons = new ArrayList<>();
        final Map<String, String> leftOutPods = new LinkedHashMap<>();
        int leftOut;
        /** Per included pod: its average (cores for CPU), when the newest sample behind it was taken, its span. */
        double[] averages;
        long[] timestamps;
        long[] windowSeconds;

        Evaluation(int candidates) {
            included = new ArrayList<>(candidates);
        }

        void sized(int pods) {
            averages = new double[pods];
            timestamps = new long[pods];
            windowSeconds = new long[pods];
        }

        void leaveOut(InferencePod pod, String reason) {
            leftOutPods.put(pod.key().name(), reason);
            if (leftOut++ < REASONS_SHOWN) {
                reasons.add(pod.key().name() + ": " + reason);
            }
        }

        String whyEmpty(String what) {
            if (leftOut == 0) {
                return "no " + what + " " + watched;
            }
            String shown = String.join("; ", reasons);
            String more = leftOut > REASONS_SHOWN ? "; and " + (leftOut - REASONS_SHOWN) + " more" : "";
            return "no value for " + what + " (" + shown + more + ")";
        }
    }
}
