package dev.hpa.adapter.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HPA controller's replica arithmetic ({@code pkg/controller/podautoscaler/replica_calculator.go}), replayed
 * step by step so that an explanation can show each number the controller computes. All values are int64
 * milli-units, as the controller's ({@code Quantity.MilliValue()}); averages are integer divisions, as there.
 */
public final class ReplicaCalculator {

    /** The controller's default {@code --horizontal-pod-autoscaler-tolerance}. */
    public static final double TOLERANCE = 0.1;

    private ReplicaCalculator() {}

    /** How {@code groupPods} classifies a pod matching the HPA's selector, for a custom (non-CPU) metric. */
    public enum Group {
        /** Has a value and counts. */
        READY,
        /** Phase Pending: its value (if any) is dropped; counted as 0 when the metric says scale up. */
        UNREADY,
        /** No value in the adapter's answer: at target when scaling down, 0 when scaling up. */
        MISSING,
        /** Being deleted or Failed: dropped, never counted. */
        IGNORED
    }

    /** A pod as the controller's pod lister sees it. */
    public record PodState(String name, String phase, boolean deleting) {}

    /** {@code groupPods} with {@code resource == ""}: readiness plays no part for custom metrics, only phase. */
    public static Group group(PodState pod, boolean hasValue) {
        if (pod.deleting() || "Failed".equals(pod.phase())) {
            return Group.IGNORED;
        }
        if ("Pending".equals(pod.phase())) {
            return Group.UNREADY;
        }
        return hasValue ? Group.READY : Group.MISSING;
    }

    /**
     * What the controller proposes, and how it got there.
     *
     * @param replicas      the proposal for this metric
     * @param averageMilli  the current average the controller reports (status.currentMetrics), before any fill-in
     * @param usageRatio    average over target
     * @param adjustedRatio the ratio after missing and unready pods were filled in; null when none were
     * @param steps         each step in words, with its numbers
     * @param because       the reason for the proposal, as a clause
     */
    public record Calculation(int replicas, long averageMilli, double usageRatio, Double adjustedRatio,
            List<String> steps, String because) {}

    /** Thrown where the controller gives up with an error and keeps the replica count. */
    public static final class NoProposal extends RuntimeException {
        public NoProposal(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A Pods metric with an AverageValue target ({@code calcPlainMetricReplicas}).
     *
     * @param values          the adapter's answer, pod name → milli value
     * @param pods            the pods matching the scale target's selector
     * @param targetMilli     the target averageValue
     * @param currentReplicas scale.spec.replicas
     */
    public static Calculation pods(Map<String, Long> values, List<PodState> pods, long targetMilli,
            int currentReplicas) {
        if (pods.isEmpty()) {
            throw new NoProposal("no pods returned by selector while calculating replica count");
        }
        List<String> steps = new ArrayList<>();
        Map<String, Long> metrics = new LinkedHashMap<>(values);
        int readyPodCount = 0;
        Set<String> unready = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        for (PodState pod : pods) {
            switch (group(pod, values.containsKey(pod.name()))) {
                case READY -> readyPodCount++;
                case UNREADY -> {
                    unready.add(pod.name());
                    metrics.remove(pod.name());
                }
                case MISSING -> missing.add(pod.name());
                case IGNORED -> metrics.remove(pod.name());
            }
        }
        if (metrics.isEmpty()) {
            throw new NoProposal("did not receive metrics for targeted pods (pods might be unready)");
        }
        long average = average(metrics);
        double ratio = (double) average / targetMilli;
        steps.add(String.format(Locale.ROOT, "average of %d value(s): %s / %d = %s; usage ratio %s / %s = %s",
                metrics.size(), milli(sum(metrics)), metrics.size(), milli(average), milli(average),
                milli(targetMilli), ratio(ratio)));
        boolean scaleUpWithUnready = !unready.isEmpty() && ratio > 1.0;
        if (!scaleUpWithUnready && missing.isEmpty()) {
            if (within(ratio)) {
                steps.add("within the tolerance band [" + ratio(1 - TOLERANCE) + ", " + ratio(1 + TOLERANCE)
                        + "]: keep " + currentReplicas);
                return new Calculation(currentReplicas, average, ratio, null, steps,
                        "the usage ratio " + ratio(ratio) + " is within the 0.1 tolerance of 1");
            }
            int proposal = (int) Math.ceil(ratio * readyPodCount);
            steps.add(String.format(Locale.ROOT, "ceil(%s × %d ready pod(s)) = %d", ratio(ratio), readyPodCount,
                    proposal));
            return new Calculation(proposal, average, ratio, null, steps, String.format(Locale.ROOT,
                    "%d ready pod(s) average %s against a target of %s (ratio %s)", readyPodCount,
                    milli(average), milli(targetMilli), ratio(ratio)));
        }
        List<String> fills = new ArrayList<>();
        if (!missing.isEmpty()) {
            long fill = ratio < 1.0 ? targetMilli : 0;
            missing.forEach(name -> metrics.put(name, fill));
            fills.add(missing.size() + " missing pod(s) at " + milli(fill) + (ratio < 1.0
                    ? " (the target: scaling down, a pod without a value is assumed at target)"
                    : " (scaling up, a pod without a value is assumed idle)"));
        }
        if (scaleUpWithUnready) {
            unready.forEach(name -> metrics.put(name, 0L));
            fills.add(unready.size() + " unready (Pending) pod(s) at 0 (scaling up)");
        }
        long adjustedAverage = average(metrics);
        double adjusted = (double) adjustedAverage / targetMilli;
        steps.add(String.format(Locale.ROOT, "fill in %s: average %s / %d = %s; ratio %s",
                String.join(" and ", fills), milli(sum(metrics)), metrics.size(), milli(adjustedAverage),
                ratio(adjusted)));
        if (within(adjusted)) {
            steps.add("the filled-in ratio is within the tolerance band: keep " + currentReplicas);
            return new Calculation(currentReplicas, average, ratio, adjusted, steps, "with " + String.join(
                    " and ", fills) + " the usage ratio " + ratio(adjusted) + " is within the 0.1 tolerance of 1");
        }
        if ((ratio < 1.0 && adjusted > 1.0) || (ratio > 1.0 && adjusted < 1.0)) {
            steps.add("the fill-in reversed the direction of scaling: keep " + currentReplicas);
            return new Calculation(currentReplicas, average, ratio, adjusted, steps, "filling in " + String.join(
                    " and ", fills) + " turns the ratio " + ratio(ratio) + " into " + ratio(adjusted)
                    + ", the other direction, so the controller does not act");
        }
        int proposal = (int) Math.ceil(adjusted * metrics.size());
        steps.add(String.format(Locale.ROOT, "ceil(%s × %d pod(s)) = %d", ratio(adjusted), metrics.size(),
                proposal));
        if ((adjusted < 1.0 && proposal > currentReplicas) || (adjusted > 1.0 && proposal < currentReplicas)) {
            steps.add(proposal + " would move against the ratio: keep " + currentReplicas);
            return new Calculation(currentReplicas, average, ratio, adjusted, steps,
                    "the filled-in proposal " + proposal + " would move against the ratio " + ratio(adjusted));
        }
        return new Calculation(proposal, average, ratio, adjusted, steps, String.format(Locale.ROOT,
                "%d pod(s) with value(s) average %s against a target of %s, and with %s the ratio is %s",
                readyPodCount, milli(average), milli(targetMilli), String.join(" and ", fills), ratio(adjusted)));
    }

    /**
     * An Object metric with a Value target ({@code GetObjectMetricReplicas}): the one value against the target,
     * times the Running and Ready pods.
     */
    public static Calculation objectValue(long valueMilli, long targetMilli, int currentReplicas, int readyPods) {
        List<String> steps = new ArrayList<>();
        double ratio = (double) valueMilli / targetMilli;
        steps.add("usage ratio " + milli(valueMilli) + " / " + milli(targetMilli) + " = " + ratio(ratio));
        if (currentReplicas != 0 && within(ratio)) {
            steps.add("within the tolerance band: keep " + currentReplicas);
            return new Calculation(currentReplicas, valueMilli, ratio, null, steps,
                    "the usage ratio " + ratio(ratio) + " is within the 0.1 tolerance of 1");
        }
        int proposal = currentReplicas == 0 ? (int) Math.ceil(ratio) : (int) Math.ceil(ratio * readyPods);
        steps.add(String.format(Locale.ROOT, "ceil(%s × %d Running and Ready pod(s)) = %d", ratio(ratio),
                readyPods, proposal));
        return new Calculation(proposal, valueMilli, ratio, null, steps, String.format(Locale.ROOT,
                "the object's value %s against a target Value of %s is a ratio of %s, times %d ready pod(s)",
                milli(valueMilli), milli(targetMilli), ratio(ratio), readyPods));
    }

    /**
     * An Object metric with an AverageValue target ({@code GetObjectPerPodMetricReplicas}): the value divided
     * among status.replicas; pods are not grouped at all.
     */
    public static Calculation objectAverageValue(long valueMilli, long targetMilli, int statusReplicas) {
        List<String> steps = new ArrayList<>();
        double ratio = (double) valueMilli / ((double) targetMilli * statusReplicas);
        long average = (long) Math.ceil((double) valueMilli / statusReplicas);
        steps.add(String.format(Locale.ROOT, "usage ratio %s / (%s × %d replica(s)) = %s", milli(valueMilli),
                milli(targetMilli), statusReplicas, ratio(ratio)));
        if (within(ratio)) {
            steps.add("within the tolerance band: keep " + statusReplicas);
            return new Calculation(statusReplicas, average, ratio, null, steps,
                    "the usage ratio " + ratio(ratio) + " is within the 0.1 tolerance of 1");
        }
        int proposal = (int) Math.ceil((double) valueMilli / targetMilli);
        steps.add("ceil(" + milli(valueMilli) + " / " + milli(targetMilli) + ") = " + proposal);
        return new Calculation(proposal, average, ratio, null, steps, "the object's value " + milli(valueMilli)
                + " needs " + proposal + " replica(s) at " + milli(targetMilli) + " each");
    }

    static boolean within(double ratio) {
        return Math.abs(1.0 - ratio) <= TOLERANCE;
    }

    private static long sum(Map<String, Long> metrics) {
        long sum = 0;
        for (long v : metrics.values()) {
            sum += v;
        }
        return sum;
    }

    /** {@code GetMetricUsageRatio}: an integer average of milli values. */
    private static long average(Map<String, Long> metrics) {
        return sum(metrics) / metrics.size();
    }

    static String milli(long milli) {
        return dev.hpa.adapter.api.Quantities.milli(milli);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.3f", ratio);
    }
}
