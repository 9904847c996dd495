package dev.hpa.adapter.explain;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What {@code horizontal.go} does with the metrics' proposal before it scales: the replica bounds, and the
 * scale-up limit ({@code max(2 × current, 4)} for an HPA without {@code behavior}, its policies otherwise).
 * The scale-down stabilization window needs the controller's past recommendations, which only the controller
 * has: it is named, not replayed. Scale events of the last policy period are likewise unknown here, so the
 * limit is the one that holds when the target has not been scaled in that period.
 */
public final class ScalingRules {

    /** The controller's {@code --horizontal-pod-autoscaler-downscale-stabilization} default. */
    public static final int DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;

    private ScalingRules() {}

    /**
     * @param replicas the count the HPA will ask for
     * @param reason   the controller's condition reason for it (ScaleUpLimit, TooManyReplicas, TooFewReplicas,
     *                 DesiredWithinRange, ...)
     * @param steps    each step in words
     * @param note     what the controller may still do that is not replayed (scale-down stabilization); or null
     */
    public record Outcome(int replicas, String reason, List<String> steps, String note) {}

    /** Bounds that apply before the metrics are read at all ({@code reconcileAutoscaler}); null when none does. */
    public static Outcome beforeMetrics(int current, int min, int max) {
        if (current == 0 && min != 0) {
            return new Outcome(0, "ScalingDisabled", List.of("the target has 0 replicas: scaling is disabled"),
                    null);
        }
        if (current > max) {
            return new Outcome(max, "TooManyReplicas", List.of("current " + current + " is above maxReplicas "
                    + max + ": scale to " + max + " without reading metrics"), null);
        }
        if (current < min) {
            return new Outcome(min, "TooFewReplicas", List.of("current " + current + " is below minReplicas "
                    + min + ": scale to " + min + " without reading metrics"), null);
        }
        return null;
    }

    /** The metrics' proposal, limited and bounded. */
    public static Outcome apply(int current, int desired, int min, int max, HorizontalPodAutoscalerBehavior behavior) {
        Outcome limited = limit(current, desired, min, max, behavior);
        if (limited.replicas() >= current) {
            return limited;
        }
        return new Outcome(limited.replicas(), limited.reason(), limited.steps(), "a scale-down happens only once it "
                + "is the highest recommendation of the last " + scaleDownWindow(behavior) + " s (the scale-down "
                + "stabilization window); the controller keeps those recommendations, this answer cannot see them");
    }

    private static Outcome limit(int current, int desired, int min, int max, HorizontalPodAutoscalerBehavior behavior) {
        List<String> steps = new ArrayList<>();
        String note = null;
        if (behavior == null) {
            int limit = Math.max(2 * current, 4);
            int upper = Math.min(max, limit);
            String upperReason = max > limit ? "ScaleUpLimit" : "TooManyReplicas";
            steps.add("no behavior: scale-up limit max(2 × " + current + ", 4) = " + limit + ", maxReplicas " + max
                    + ", minReplicas " + min);
            if (desired < min) {
                steps.add(desired + " < minReplicas: " + min);
                return new Outcome(min, "TooFewReplicas", steps, note);
            }
            if (desired > upper) {
                steps.add(desired + " > " + upper + " (" + upperReason + "): " + upper);
                return new Outcome(upper, upperReason, steps, note);
            }
            return new Outcome(desired, "DesiredWithinRange", steps, note);
        }
        if (desired > current) {
            HPAScalingRules up = behavior.getScaleUp();
            int limit = scaleUpLimit(current, up, steps);
            if (limit < current) {
                limit = current;
            }
            int upper = Math.min(max, limit);
            String upperReason = max > limit ? "ScaleUpLimit" : "TooManyReplicas";
            if (desired > upper) {
                steps.add(desired + " > " + upper + " (" + upperReason + "): " + upper);
                return new Outcome(upper, upperReason, steps, note);
            }
        } else if (desired < current) {
            int limit = scaleDownLimit(current, behavior.getScaleDown(), steps);
            if (limit > current) {
                limit = current;
            }
            int lower = Math.max(min, limit);
            String lowerReason = min < limit ? "ScaleDownLimit" : "TooFewReplicas";
            if (desired < lower) {
                steps.add(desired + " < " + lower + " (" + lowerReason + "): " + lower);
                return new Outcome(lower, lowerReason, steps, note);
            }
        }
        return new Outcome(desired, "DesiredWithinRange", steps, note);
    }

    /** {@code calculateScaleUpLimitWithScalingRules}, with no scale event in the period. */
    private static int scaleUpLimit(int current, HPAScalingRules rules, List<String> steps) {
        String select = rules == null || rules.getSelectPolicy() == null ? "Max" : rules.getSelectPolicy();
        if ("Disabled".equals(select)) {
            steps.add("behavior.scaleUp.selectPolicy Disabled: keep " + current);
            return current;
        }
        List<HPAScalingPolicy> policies = rules == null || rules.getPolicies() == null || rules.getPolicies().isEmpty()
                ? List.of(policy("Pods", 4, 15), policy("Percent", 100, 15)) : rules.getPolicies();
        List<Integer> proposals = new ArrayList<>();
        for (HPAScalingPolicy p : policies) {
            int proposed = "Pods".equals(p.getType()) ? current + p.getValue()
                    : (int) Math.ceil(current * (1 + p.getValue() / 100.0));
            steps.add("scale-up policy " + p.getType() + " " + p.getValue() + " per " + p.getPeriodSeconds()
                    + " s: up to " + proposed);
            proposals.add(proposed);
        }
        // Max: the policy that allows the largest change; Min: the smallest.
        int result = "Min".equals(select) ? Collections.min(proposals) : Collections.max(proposals);
        steps.add("selectPolicy " + select + ": scale-up limit " + result);
        return result;
    }

    /** {@code calculateScaleDownLimitWithBehaviors}, with no scale event in the period. */
    private static int scaleDownLimit(int current, HPAScalingRules rules, List<String> steps) {
        String select = rules == null || rules.getSelectPolicy() == null ? "Max" : rules.getSelectPolicy();
        if ("Disabled".equals(select)) {
            steps.add("behavior.scaleDown.selectPolicy Disabled: keep " + current);
            return current;
        }
        List<HPAScalingPolicy> policies = rules == null || rules.getPolicies() == null || rules.getPolicies().isEmpty()
                ? List.of(policy("Percent", 100, 15)) : rules.getPolicies();
        List<Integer> proposals = new ArrayList<>();
        for (HPAScalingPolicy p : policies) {
            int proposed = "Pods".equals(p.getType()) ? current - p.getValue()
                    : (int) (current * (1 - p.getValue() / 100.0));
            steps.add("scale-down policy " + p.getType() + " " + p.getValue() + " per " + p.getPeriodSeconds()
                    + " s: down to " + proposed);
            proposals.add(proposed);
        }
        // Max: the policy that allows the largest change, i.e. the lowest count; Min: the highest.
        int result = "Min".equals(select) ? Collections.max(proposals) : Collections.min(proposals);
        steps.add("selectPolicy " + select + ": scale-down limit " + result);
        return result;
    }

    private static int scaleDownWindow(HorizontalPodAutoscalerBehavior behavior) {
        if (behavior != null && behavior.getScaleDown() != null
                && behavior.getScaleDown().getStabilizationWindowSeconds() != null) {
            return behavior.getScaleDown().getStabilizationWindowSeconds();
        }
        return DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS;
    }

    private static HPAScalingPolicy policy(String type, int value, int periodSeconds) {
        return new HPAScalingPolicy(periodSeconds, type, value);
    }
}
