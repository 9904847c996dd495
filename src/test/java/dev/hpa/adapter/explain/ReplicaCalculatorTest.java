package dev.hpa.adapter.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.explain.ReplicaCalculator.Group;
import dev.hpa.adapter.explain.ReplicaCalculator.PodState;
import dev.hpa.adapter.testing.HpaFormula;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehaviorBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The production replay of replica_calculator.go against the tests' own {@link HpaFormula} (written separately,
 * from the contract's §4.3), on the cases the issue names and on many random ones; and the limits of horizontal.go.
 */
class ReplicaCalculatorTest {

    static PodState running(String name) {
        return new PodState(name, "Running", false);
    }

    static PodState pending(String name) {
        return new PodState(name, "Pending", false);
    }

    /** The formula's view of the same pods: non-Pending pods are "ready" to it, Pending ones unready. */
    static int formula(Map<String, Long> values, List<PodState> pods, long target, int current) {
        Set<String> ready = new LinkedHashSet<>();
        Set<String> unready = new LinkedHashSet<>();
        for (PodState p : pods) {
            (p.phase().equals("Pending") ? unready : ready).add(p.name());
        }
        return HpaFormula.desiredReplicas(values, ready, unready, target, current);
    }

    @Test
    void scaleUpWithMissingPodsCountsThemIdle() {
        // The contract's example: 4 pods, 3 report 3 against a target of 2, one is missing.
        var pods = List.of(running("a"), running("b"), running("c"), running("d"));
        var values = Map.of("a", 3000L, "b", 3000L, "c", 3000L);
        var calc = ReplicaCalculator.pods(values, pods, 2000, 4);
        assertEquals(5, calc.replicas());
        assertEquals(1.5, calc.usageRatio());
        assertEquals(1.125, calc.adjustedRatio());
        assertEquals(formula(values, pods, 2000, 4), calc.replicas());
        assertTrue(calc.because().contains("1 missing pod(s) at 0"), calc.because());
    }

    @Test
    void scaleDownWithUnreadyPodsLeavesThemOut() {
        var pods = List.of(running("a"), running("b"), pending("c"));
        var values = Map.of("a", 2000L, "b", 2000L);
        var calc = ReplicaCalculator.pods(values, pods, 10_000, 3);
        assertEquals(1, calc.replicas()); // ceil(0.2 × 2 ready)
        assertNull(calc.adjustedRatio(), "no fill-in when scaling down with only unready pods");
        assertEquals(formula(values, pods, 10_000, 3), calc.replicas());
    }

    @Test
    void scaleDownWithAMissingPodCountsItAtTarget() {
        var pods = List.of(running("a"), running("b"), running("c"));
        var values = Map.of("a", 2000L, "b", 2000L);
        var calc = ReplicaCalculator.pods(values, pods, 10_000, 3);
        // (2 + 2 + 10) / 3 = 4.666 → 0.466 → ceil(0.466 × 3) = 2
        assertEquals(2, calc.replicas());
        assertEquals(formula(values, pods, 10_000, 3), calc.replicas());
    }

    @Test
    void scaleUpWithUnreadyPodsCountsThemIdle() {
        var pods = List.of(running("a"), pending("b"));
        var values = Map.of("a", 40_000L);
        var calc = ReplicaCalculator.pods(values, pods, 10_000, 2);
        assertEquals(4, calc.replicas()); // (40 + 0) / 2 = 20 → 2.0 × 2
        assertEquals(formula(values, pods, 10_000, 2), calc.replicas());
    }

    @Test
    void withinTheToleranceBandNothingMoves() {
        var pods = List.of(running("a"), running("b"));
        assertEquals(2, ReplicaCalculator.pods(Map.of("a", 10_900L, "b", 11_000L), pods, 10_000, 2).replicas());
        assertEquals(2, ReplicaCalculator.pods(Map.of("a", 9_000L, "b", 9_000L), pods, 10_000, 2).replicas());
        assertEquals(3, ReplicaCalculator.pods(Map.of("a", 11_200L, "b", 11_200L), pods, 10_000, 2).replicas());
    }

    @Test
    void aFillInThatReversesTheDirectionKeepsTheCount() {
        // ratio 1.5 over one pod, three missing pods at 0 → 0.375: the other way, so nothing happens.
        var pods = List.of(running("a"), running("b"), running("c"), running("d"));
        var calc = ReplicaCalculator.pods(Map.of("a", 15_000L), pods, 10_000, 4);
        assertEquals(4, calc.replicas());
        assertEquals(formula(Map.of("a", 15_000L), pods, 10_000, 4), calc.replicas());
    }

    @Test
    void noValuesIsTheControllersError() {
        var e = assertThrows(ReplicaCalculator.NoProposal.class,
                () -> ReplicaCalculator.pods(Map.of(), List.of(running("a")), 10_000, 1));
        assertEquals("did not receive metrics for targeted pods (pods might be unready)", e.getMessage());
        assertThrows(ReplicaCalculator.NoProposal.class,
                () -> ReplicaCalculator.pods(Map.of(), List.of(), 10_000, 1));
    }

    @Test
    void groupsAsTheController() {
        assertEquals(Group.IGNORED, ReplicaCalculator.group(new PodState("a", "Running", true), true));
        assertEquals(Group.IGNORED, ReplicaCalculator.group(new PodState("a", "Failed", false), true));
        assertEquals(Group.UNREADY, ReplicaCalculator.group(pending("a"), true));
        assertEquals(Group.MISSING, ReplicaCalculator.group(running("a"), false));
        assertEquals(Group.READY, ReplicaCalculator.group(running("a"), true));
    }

    @Test
    void agreesWithTheFormulaOnRandomCases() {
        Random random = new Random(14);
        int compared = 0;
        for (int i = 0; i < 5_000; i++) {
            int n = 1 + random.nextInt(8);
            List<PodState> pods = new ArrayList<>();
            Map<String, Long> values = new LinkedHashMap<>();
            for (int p = 0; p < n; p++) {
                String name = "p" + p;
                int kind = random.nextInt(6);
                pods.add(kind == 0 ? pending(name) : running(name));
                if (kind != 1) { // kind 1: running without a value (missing)
                    values.put(name, (long) random.nextInt(40_000));
                }
            }
            long target = 1000L * (1 + random.nextInt(20));
            int current = 1 + random.nextInt(10);
            Integer expected;
            try {
                expected = formula(values, pods, target, current);
            } catch (IllegalStateException e) {
                expected = null;
            }
            Integer actual;
            try {
                actual = ReplicaCalculator.pods(values, pods, target, current).replicas();
            } catch (ReplicaCalculator.NoProposal e) {
                actual = null;
            }
            assertEquals(expected, actual, "pods " + pods + " values " + values + " target " + target
                    + " current " + current);
            compared++;
        }
        assertEquals(5_000, compared);
    }

    @Test
    void objectMetrics() {
        // Value: 28 against 10 is 2.8, times 2 Running and Ready pods.
        assertEquals(6, ReplicaCalculator.objectValue(28_000, 10_000, 2, 2).replicas());
        assertEquals(2, ReplicaCalculator.objectValue(10_500, 10_000, 2, 2).replicas());
        // AverageValue: the value needs ceil(28 / 10) replicas; pods play no part.
        assertEquals(3, ReplicaCalculator.objectAverageValue(28_000, 10_000, 1).replicas());
        assertEquals(3, ReplicaCalculator.objectAverageValue(31_000, 10_000, 3).replicas()); // within tolerance
    }

    @Test
    void limitsWithoutBehavior() {
        assertEquals(new ScalingRules.Outcome(4, "ScaleUpLimit", List.of(
                "no behavior: scale-up limit max(2 × 1, 4) = 4, maxReplicas 10, minReplicas 1", "5 > 4 (ScaleUpLimit): 4"),
                null), ScalingRules.apply(1, 5, 1, 10, null));
        assertEquals("TooManyReplicas", ScalingRules.apply(2, 10, 1, 3, null).reason());
        assertEquals(3, ScalingRules.apply(2, 10, 1, 3, null).replicas());
        ScalingRules.Outcome down = ScalingRules.apply(3, 0, 2, 10, null);
        assertEquals(2, down.replicas());
        assertEquals("TooFewReplicas", down.reason());
        assertTrue(down.note().contains("300 s"), down.note());
        assertEquals("DesiredWithinRange", ScalingRules.apply(3, 5, 1, 10, null).reason());
        assertNull(ScalingRules.apply(1, 0, 1, 10, null).note(), "no scale-down, nothing to stabilize");
    }

    @Test
    void limitsWithBehavior() {
        var defaults = new HorizontalPodAutoscalerBehaviorBuilder().build(); // policies as the API server defaults
        assertEquals(5, ScalingRules.apply(1, 9, 1, 10, defaults).replicas()); // max(1 + 4, 1 × 2)
        assertEquals(20, ScalingRules.apply(10, 30, 1, 50, defaults).replicas()); // max(14, 20)
        var slow = new HorizontalPodAutoscalerBehaviorBuilder().withNewScaleUp().withSelectPolicy("Min")
                .addNewPolicy().withType("Pods").withValue(1).withPeriodSeconds(60).endPolicy()
                .addNewPolicy().withType("Percent").withValue(50).withPeriodSeconds(60).endPolicy()
                .endScaleUp().withNewScaleDown().withStabilizationWindowSeconds(60)
                .addNewPolicy().withType("Pods").withValue(1).withPeriodSeconds(60).endPolicy().endScaleDown()
                .build();
        assertEquals(5, ScalingRules.apply(4, 9, 1, 10, slow).replicas()); // min(4 + 1, ceil(4 × 1.5))
        ScalingRules.Outcome down = ScalingRules.apply(4, 1, 1, 10, slow);
        assertEquals(3, down.replicas());
        assertEquals("ScaleDownLimit", down.reason());
        assertTrue(down.note().contains("60 s"), down.note());
        assertEquals(ScalingRules.beforeMetrics(5, 1, 3).replicas(), 3);
        assertEquals(ScalingRules.beforeMetrics(0, 1, 3).reason(), "ScalingDisabled");
        assertNull(ScalingRules.beforeMetrics(2, 1, 3));
    }
}
