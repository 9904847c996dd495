package dev.hpa.adapter.explain;

import dev.hpa.adapter.api.ApiException;
import dev.hpa.adapter.api.Quantities;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.Answer;
import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.PodMetrics;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.derive.ValuesUnavailableException;
import dev.hpa.adapter.explain.Explanation.LeftOutPod;
import dev.hpa.adapter.explain.Explanation.ReadyPod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Replays one HPA's next sync as the controller will run it: its scale target's selector and replicas (the scale
 * subresource), the pods that selector matches (the API, as the controller's pod lister has them), this
 * adapter's answer for each metric (the same code that serves the HPA), and then the controller's arithmetic
 * ({@link ReplicaCalculator}, {@link ScalingRules}).
 */
@ApplicationScoped
public class HpaExplainer {

    private final KubernetesClient client;
    private final PodMetrics metrics;
    private final PodIndex watched;
    private final Clock clock;
    private final String watchedPods;
    /** How a missing pod's reason begins when the adapter does not watch the pod at all. */
    public static final String WATCHED_PREFIX = "not among the pods this adapter watches ";

    public HpaExplainer(KubernetesClient client, PodMetrics metrics, PodIndex watched, Clock clock,
            AdapterConfig config) {
        this.client = client;
        this.metrics = metrics;
        this.watched = watched;
        this.clock = clock;
        this.watchedPods = WATCHED_PREFIX + "(adapter.pods.label-selector="
                + config.pods().labelSelector() + "), so the adapter has no value for it";
    }

    public Explanation explain(String apiVersion, String namespace, String name) {
        return explain(apiVersion, read("horizontalpodautoscalers.autoscaling", namespace, name, () -> client
                .autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace).withName(name).get()));
    }

    /** The same for an HPA already at hand (an informer's). */
    public Explanation explain(String apiVersion, HorizontalPodAutoscaler hpa) {
        String namespace = hpa.getMetadata().getNamespace();
        String name = hpa.getMetadata().getName();
        CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
        Scale scale = scale(namespace, ref);
        int current = orZero(scale.getSpec() == null ? null : scale.getSpec().getReplicas());
        int statusReplicas = orZero(scale.getStatus() == null ? null : scale.getStatus().getReplicas());
        String selector = scale.getStatus() == null ? null : scale.getStatus().getSelector();
        int min = hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
        int max = orZero(hpa.getSpec().getMaxReplicas());
        var summary = new Explanation.Hpa(namespace, name, ref.getKind() + "/" + ref.getName(), selector, current,
                min, max, hpa.getSpec().getBehavior() != null);
        String time = clock.instant().toString();

        ScalingRules.Outcome bounded = ScalingRules.beforeMetrics(current, min, max);
        if (bounded != null) {
            var decision = new Explanation.Decision(null, null, bounded.replicas(), bounded.reason(),
                    bounded.steps(), null);
            return new Explanation(Explanation.KIND, apiVersion, summary, time, List.of(), decision,
                    "the HPA will propose " + replicas(bounded.replicas()) + " because " + bounded.steps().get(0));
        }
        if (selector == null || selector.isBlank()) {
            throw new ApiException(422, "Invalid", "the scale of " + summary.scaleTargetRef()
                    + " has no status.selector: the HPA controller cannot select its pods either");
        }
        LabelSelector podSelector = parse(selector);
        List<Pod> pods = client.pods().inNamespace(namespace)
                .list(new ListOptionsBuilder().withLabelSelector(selector).build()).getItems();

        List<Explanation.Metric> explained = new ArrayList<>();
        List<MetricSpec> specs = hpa.getSpec().getMetrics() == null ? List.of() : hpa.getSpec().getMetrics();
        long now = clock.millis();
        for (MetricSpec spec : specs) {
            explained.add(metric(spec, namespace, podSelector, pods, current, statusReplicas, now));
        }
        return decide(apiVersion, summary, time, explained, hpa, current, min, max);
    }

    private Explanation.Metric metric(MetricSpec spec, String namespace, LabelSelector podSelector, List<Pod> pods,
            int current, int statusReplicas, long now) {
        String type = spec.getType();
        if ("Pods".equals(type) && spec.getPods() != null) {
            var source = spec.getPods();
            String metricSelector = selectorText(source.getMetric().getSelector());
            return podsMetric(source.getMetric().getName(), metricSelector, source.getTarget(), namespace,
                    podSelector, pods, current, now);
        }
        if ("Object".equals(type) && spec.getObject() != null) {
            var source = spec.getObject();
            String metricSelector = selectorText(source.getMetric().getSelector());
            return objectMetric(source.getMetric().getName(), metricSelector, source.getDescribedObject(),
                    source.getTarget(), namespace, pods, current, statusReplicas, now);
        }
        String name = switch (type == null ? "" : type) {
            case "Resource" -> spec.getResource() == null ? null : spec.getResource().getName();
            case "ContainerResource" -> spec.getContainerResource() == null ? null
                    : spec.getContainerResource().getName();
            case "External" -> spec.getExternal() == null ? null : spec.getExternal().getMetric().getName();
            default -> null;
        };
        String api = "External".equals(type) ? "external.metrics.k8s.io" : "metrics.k8s.io";
        return new Explanation.Metric(type, name, false, null, null, null, null, null, null, null, null,
                "read from " + api + ", not from this adapter: its proposal is not replayed here");
    }

    private Explanation.Metric podsMetric(String name, String metricSelector, MetricTarget target, String namespace,
            LabelSelector podSelector, List<Pod> pods, int current, long now) {
        String targetText = targetText(target);
        Optional<ServedMetric> served = ServedMetric.named(name);
        if (served.isEmpty()) {
            return new Explanation.Metric("Pods", name, false, metricSelector, null, targetText, null, null, null,
                    null, null, "this adapter does not serve the metric " + name + " (did you mean "
                    + ServedMetric.closestTo(name).metricName() + "?): the HPA gets a 404 and does not scale on it");
        }
        if (!"AverageValue".equals(target.getType()) || target.getAverageValue() == null) {
            return new Explanation.Metric("Pods", name, true, metricSelector, null, targetText, null, null, null,
                    null, null, "a Pods metric takes only an AverageValue target; the API server rejects "
                    + target.getType());
        }
        Answer answer;
        try {
            answer = answered(metrics.forPods(namespace, "*", podSelector, served.get(), parse(metricSelector), now));
        } catch (ValuesUnavailableException e) {
            return new Explanation.Metric("Pods", name, true, metricSelector, null, targetText, null, null, null,
                    null, null, "the adapter answers 503: " + e.getMessage());
        }
        Map<String, MetricValue> byPod = new LinkedHashMap<>();
        answer.values().forEach(v -> byPod.put(v.describedObject().name(), v));

        List<ReplicaCalculator.PodState> states = new ArrayList<>();
        List<ReadyPod> ready = new ArrayList<>();
        List<LeftOutPod> unready = new ArrayList<>();
        List<LeftOutPod> missing = new ArrayList<>();
        List<LeftOutPod> ignored = new ArrayList<>();
        for (Pod pod : pods) {
            String podName = pod.getMetadata().getName();
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            var state = new ReplicaCalculator.PodState(podName, phase, pod.getMetadata().getDeletionTimestamp() != null);
            states.add(state);
            MetricValue value = byPod.get(podName);
            switch (ReplicaCalculator.group(state, value != null)) {
                case READY -> ready.add(new ReadyPod(podName, Quantities.milli(value.milliValue()),
                        value.milliValue(), value.metricLabels().get("source"), value.timestamp().toString(),
                        value.windowSeconds()));
                case UNREADY -> unready.add(new LeftOutPod(podName, phase,
                        "Pending: the controller drops its value and counts it as 0 when the metric says scale up"));
                case MISSING -> missing.add(new LeftOutPod(podName, phase, whyNoValue(namespace, podName, answer)
                        + "; the controller counts it at the target when scaling down and as 0 when scaling up"));
                case IGNORED -> ignored.add(new LeftOutPod(podName, phase, state.deleting()
                        ? "being deleted: the controller ignores it" : "Failed: the controller ignores it"));
            }
        }
        var grouped = new Explanation.Pods(ready, unready, missing, ignored);
        Map<String, Long> values = byPod.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().milliValue(), (a, b) -> a, LinkedHashMap::new));
        try {
            var calc = ReplicaCalculator.pods(values, states, milli(target.getAverageValue()), current);
            return new Explanation.Metric("Pods", name, true, metricSelector, null, targetText, null, grouped,
                    calc.steps(), calc.replicas(), calc.because(), null);
        } catch (ReplicaCalculator.NoProposal e) {
            String why = answer.values().isEmpty() && answer.whyEmpty() != null
                    ? e.getMessage() + ": the adapter answers 404, " + answer.whyEmpty() : e.getMessage();
            return new Explanation.Metric("Pods", name, true, metricSelector, null, targetText, null, grouped,
                    null, null, null, why);
        }
    }

    private Explanation.Metric objectMetric(String name, String metricSelector, CrossVersionObjectReference object,
            MetricTarget target, String namespace, List<Pod> pods, int current, int statusReplicas, long now) {
        String targetText = targetText(target);
        String described = object.getKind() + "/" + object.getName();
        Optional<ServedMetric> served = ServedMetric.named(name);
        if (served.isEmpty()) {
            return new Explanation.Metric("Object", name, false, metricSelector, described, targetText, null, null,
                    null, null, null, "this adapter does not serve the metric " + name + " (did you mean "
                    + ServedMetric.closestTo(name).metricName() + "?)");
        }
        Uni<Answer> asked;
        if ("InferenceService".equals(object.getKind())) {
            asked = metrics.forInferenceService(namespace, object.getName(), served.get(), parse(metricSelector), now);
        } else if ("Namespace".equals(object.getKind())) {
            asked = metrics.forNamespace(namespace, served.get(), parse(metricSelector), now);
        } else {
            return new Explanation.Metric("Object", name, false, metricSelector, described, targetText, null, null,
                    null, null, null, "this adapter serves Object metrics of InferenceServices and Namespaces, not "
                    + object.getKind());
        }
        Answer answer;
        try {
            answer = answered(asked);
        } catch (ValuesUnavailableException e) {
            return new Explanation.Metric("Object", name, true, metricSelector, described, targetText, null, null,
                    null, null, null, "the adapter answers 503: " + e.getMessage());
        }
        if (answer.values().isEmpty()) {
            return new Explanation.Metric("Object", name, true, metricSelector, described, targetText, null, null,
                    null, null, null, "the adapter answers 404: " + answer.whyEmpty());
        }
        MetricValue v = answer.values().get(0);
        var value = new Explanation.Value(Quantities.milli(v.milliValue()), v.milliValue(),
                v.metricLabels().get("source"), v.timestamp().toString(), v.windowSeconds());
        ReplicaCalculator.Calculation calc;
        if ("Value".equals(target.getType()) && target.getValue() != null) {
            int readyPods = (int) pods.stream().filter(HpaExplainer::runningAndReady).count();
            calc = ReplicaCalculator.objectValue(v.milliValue(), milli(target.getValue()), current, readyPods);
        } else if ("AverageValue".equals(target.getType()) && target.getAverageValue() != null) {
            calc = ReplicaCalculator.objectAverageValue(v.milliValue(), milli(target.getAverageValue()),
                    statusReplicas);
        } else {
            return new Explanation.Metric("Object", name, true, metricSelector, described, targetText, value, null,
                    null, null, null, "an Object metric takes a Value or AverageValue target, not "
                    + target.getType());
        }
        return new Explanation.Metric("Object", name, true, metricSelector, described, targetText, value, null,
                calc.steps(), calc.replicas(), calc.because(), null);
    }

    /** {@code computeReplicasForMetrics}: the largest proposal, unless a failed metric would make it scale down. */
    private Explanation decide(String apiVersion, Explanation.Hpa summary, String time,
            List<Explanation.Metric> explained, HorizontalPodAutoscaler hpa, int current, int min, int max) {
        Explanation.Metric top = null;
        int invalid = 0;
        int unexplained = 0;
        for (Explanation.Metric m : explained) {
            if (m.proposal() != null) {
                if (top == null || m.proposal() > top.proposal()) {
                    top = m;
                }
            } else if (m.servedHere() || m.error().startsWith("this adapter does not serve")) {
                invalid++;
            } else {
                unexplained++;
            }
        }
        String others = unexplained == 0 ? "" : "; the HPA also weighs " + unexplained + " metric(s) from other "
                + "APIs, not replayed here, and takes their proposal if it is larger";
        if (top == null) {
            String first = explained.stream().map(Explanation.Metric::error).filter(e -> e != null).findFirst()
                    .orElse("the HPA lists no metrics this adapter can replay");
            var decision = new Explanation.Decision(null, null, current, "InvalidMetrics",
                    List.of("no metric has a proposal: the replica count stays " + current), null);
            return new Explanation(Explanation.KIND, apiVersion, summary, time, explained, decision,
                    "the HPA will propose " + replicas(current) + " (no change) because it cannot compute a "
                    + "replica count: " + first + others);
        }
        if (invalid > 0 && top.proposal() < current) {
            var decision = new Explanation.Decision(top.proposal(), top.name(), current, "InvalidMetrics",
                    List.of(invalid + " metric(s) failed and the others propose scaling down: the controller does "
                            + "not scale down on partial metrics"), null);
            return new Explanation(Explanation.KIND, apiVersion, summary, time, explained, decision,
                    "the HPA will propose " + replicas(current) + " (no change) because " + invalid
                    + " metric(s) failed and it never scales down on the others alone" + others);
        }
        ScalingRules.Outcome outcome = ScalingRules.apply(current, top.proposal(), min, max,
                hpa.getSpec().getBehavior());
        var decision = new Explanation.Decision(top.proposal(), top.name(), outcome.replicas(), outcome.reason(),
                outcome.steps(), outcome.note());
        return new Explanation(Explanation.KIND, apiVersion, summary, time, explained, decision,
                conclusion(top, outcome, current, min, max) + others);
    }

    private static String conclusion(Explanation.Metric top, ScalingRules.Outcome outcome, int current, int min,
            int max) {
        int n = outcome.replicas();
        String change = n == current ? " (no change)" : n > current ? " (up from " + current + ")"
                : " (down from " + current + ")";
        String metric = top.name() + " proposes " + top.proposal() + ": " + top.because();
        String limit = switch (outcome.reason()) {
            case "ScaleUpLimit" -> ", but a scale-up is limited to " + n + " at a time";
            case "TooManyReplicas" -> ", but maxReplicas is " + max;
            case "TooFewReplicas" -> ", but minReplicas is " + min;
            case "ScaleDownLimit" -> ", but a scale-down is limited to " + n + " at a time";
            default -> "";
        };
        String note = outcome.note() == null ? "" : "; " + outcome.note();
        return "the HPA will propose " + replicas(n) + change + " because " + metric + limit + note;
    }

    /**
     * The answer the HPA would get. Explaining runs on a worker thread (the explain endpoint is blocking, events run
     * in executeBlocking), so it may wait; the source's own deadline (adapter.prometheus.timeout) bounds the wait.
     */
    private static Answer answered(Uni<Answer> answer) {
        return answer.await().indefinitely();
    }

    private String whyNoValue(String namespace, String pod, Answer answer) {
        String reason = answer.leftOut().get(pod);
        if (reason != null) {
            return "no value from the adapter: " + reason;
        }
        if (watched.get(new PodKey(namespace, pod)) == null) {
            return watchedPods;
        }
        // Watched now, yet neither valued nor left out by the answer: the pod reached the adapter's index between
        // the answer and this look (the API's pod list runs ahead of the watch). Transient, like "not scraped yet".
        return "no value yet from the adapter: it began watching the pod after this answer was made";
    }

    private Scale scale(String namespace, CrossVersionObjectReference ref) {
        String group = ref.getApiVersion() == null ? "" : ref.getApiVersion().split("/")[0];
        if (!"apps".equals(group)) {
            throw new ApiException(422, "Invalid", "explain reads the scale of apps/v1 Deployments, StatefulSets "
                    + "and ReplicaSets; this HPA targets " + ref.getApiVersion() + " " + ref.getKind());
        }
        var apps = client.apps();
        return switch (ref.getKind()) {
            case "Deployment" -> read("deployments.apps", namespace, ref.getName(),
                    () -> apps.deployments().inNamespace(namespace).withName(ref.getName()).scale());
            case "StatefulSet" -> read("statefulsets.apps", namespace, ref.getName(),
                    () -> apps.statefulSets().inNamespace(namespace).withName(ref.getName()).scale());
            case "ReplicaSet" -> read("replicasets.apps", namespace, ref.getName(),
                    () -> apps.replicaSets().inNamespace(namespace).withName(ref.getName()).scale());
            default -> throw new ApiException(422, "Invalid", "explain reads the scale of Deployments, "
                    + "StatefulSets and ReplicaSets; this HPA targets " + ref.getKind());
        };
    }

    /** One read of the adapter's own; a missing object is the caller's 404, anything else says what failed. */
    private static <T> T read(String resource, String namespace, String name, java.util.function.Supplier<T> get) {
        T found;
        try {
            found = get.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                found = null;
            } else {
                throw new ApiException(503, "ServiceUnavailable", "the adapter cannot read " + resource + " \""
                        + name + "\" in namespace " + namespace + " (HTTP " + e.getCode() + "): check its RBAC "
                        + "(get on " + resource + (resource.endsWith(".apps") ? "/scale" : "") + ")");
            }
        }
        if (found == null) {
            throw new ApiException(404, "NotFound", resource + " \"" + name + "\" not found",
                    new dev.hpa.adapter.api.KubeJson.Details(name, resource.substring(resource.indexOf('.') + 1),
                            resource.substring(0, resource.indexOf('.'))));
        }
        return found;
    }

    private static boolean runningAndReady(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
                && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** {@code Quantity.MilliValue()}: rounded up, as Go rounds. */
    static long milli(Quantity quantity) {
        BigDecimal amount = quantity.getNumericalAmount();
        return amount.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static String targetText(MetricTarget target) {
        if (target == null) {
            return null;
        }
        String type = target.getType();
        Quantity q = "Value".equals(type) ? target.getValue() : "AverageValue".equals(type) ? target.getAverageValue()
                : null;
        if (q != null) {
            return type + " " + q;
        }
        return target.getAverageUtilization() != null ? type + " " + target.getAverageUtilization() + "%" : type;
    }

    /** metav1.LabelSelector → the text the HPA sends as metricLabelSelector; null for none. */
    static String selectorText(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String values = r.getValues() == null ? "" : String.join(",", r.getValues());
                parts.add(switch (r.getOperator()) {
                    case "In" -> r.getKey() + " in (" + values + ")";
                    case "NotIn" -> r.getKey() + " notin (" + values + ")";
                    case "Exists" -> r.getKey();
                    case "DoesNotExist" -> "!" + r.getKey();
                    default -> throw new ApiException(422, "Invalid", "metric selector operator " + r.getOperator()
                            + " is not one of In, NotIn, Exists, DoesNotExist");
                });
            }
        }
        return parts.isEmpty() ? null : String.join(",", parts);
    }

    private static LabelSelector parse(String selector) {
        try {
            return LabelSelector.parse(selector);
        } catch (IllegalArgumentException e) {
            throw new ApiException(422, "Invalid", "the HPA's metric selector \"" + selector + "\": "
                    + e.getMessage());
        }
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static String replicas(int n) {
        return n + (n == 1 ? " replica" : " replicas");
    }
}
