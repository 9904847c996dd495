package dev.hpa.adapter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worked examples of contract §4.3, so the formula the scenario tests rely on is the controller's. */
class HpaFormulaTest {

    @Test
    void fourPodsAtOneAndAHalfTimesTheTargetGoToSix() {
        assertEquals(6, HpaFormula.desiredReplicas(
                Map.of("a", 3000L, "b", 3000L, "c", 3000L, "d", 3000L), Set.of("a", "b", "c", "d"), Set.of(), 2000, 4));
    }

    @Test
    void aMissingPodCountsAsIdleWhenScalingUp() {
        assertEquals(5, HpaFormula.desiredReplicas(
                Map.of("a", 3000L, "b", 3000L, "c", 3000L), Set.of("a", "b", "c", "d"), Set.of(), 2000, 4));
    }

    @Test
    void withinToleranceNothingChanges() {
        assertEquals(3, HpaFormula.desiredReplicas(Map.of("a", 10500L, "b", 9800L, "c", 10000L),
                Set.of("a", "b", "c"), Set.of(), 10000, 3));
    }

    @Test
    void theSeedScenario() {
        assertEquals(5, HpaFormula.desiredReplicas(Map.of("torchserve-predictor-0", 50000L),
                Set.of("torchserve-predictor-0"), Set.of(), 10000, 1));
    }
}
