package dev.hpa.adapter.testing;

import java.util.Map;
import java.util.Set;

/**
 * The HPA controller's replica arithmetic for a Pods metric with an AverageValue target (replica_calculator.go
 * {@code calcPlainMetricReplicas}, contract §4.3), so tests can say what a real HPA would do with our answer.
 * All values are integer milli-units, as the controller computes them.
 */
public final class HpaFormula {

    /** The controller's default --horizontal-pod-autoscaler-tolerance. */
    public static final double TOLERANCE = 0.1;

    private HpaFormula() {}

    /**
     * @param metrics       our answer: pod name → milli value
     * @param readyPods     the pods the controller counts as ready (Running, Ready, matching its selector)
     * @param unreadyPods   pods it counts as unready (Pending)
     * @param targetMilli   the target averageValue in milli-units
     * @param currentReplicas scale.spec.replicas
     */
    public static int desiredReplicas(Map<String, Long> metrics, Set<String> readyPods, Set<String> unreadyPods,
            long targetMilli, int currentReplicas) {
        long sum = 0;
        int counted = 0;
        for (Map.Entry<String, Long> m : metrics.entrySet()) {
            if (!unreadyPods.contains(m.getKey())) {
                sum += m.getValue();
                counted++;
            }
        }
        if (counted == 0) {
            throw new IllegalStateException("did not receive metrics for targeted pods (pods might be unready)");
        }
        long missing = readyPods.stream().filter(p -> !metrics.containsKey(p)).count();
        double ratio = (double) Math.floorDiv(sum, counted) / targetMilli;
        if (missing == 0 && !(unreadyPods.size() > 0 && ratio > 1)) {
            return withinTolerance(ratio) ? currentReplicas : (int) Math.ceil(ratio * counted);
        }
        // Conservative fill-in: missing pods count as idle when scaling up, at target when scaling down.
        long fill = ratio < 1 ? targetMilli : 0;
        long filledSum = sum + missing * fill; // unready pods add 0 when scaling up
        int filledCount = counted + (int) missing + (ratio > 1 ? unreadyPods.size() : 0);
        double newRatio = (double) Math.floorDiv(filledSum, filledCount) / targetMilli;
        if (withinTolerance(newRatio) || Math.signum(ratio - 1) != Math.signum(newRatio - 1)) {
            return currentReplicas;
        }
        int n = (int) Math.ceil(newRatio * filledCount);
        if ((newRatio < 1 && n > currentReplicas) || (newRatio > 1 && n < currentReplicas)) {
            return currentReplicas;
        }
        return n;
    }

    private static boolean withinTolerance(double ratio) {
        return ratio >= 1 - TOLERANCE && ratio <= 1 + TOLERANCE;
    }
}
