package dev.hpa.adapter.prometheus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A range answer becomes the pods' lines: each point in the step it ends, gaps where the engine has none. */
class PrometheusHistoryTest {

    static final double NaN = Double.NaN;
    /** Five steps of 100 ms ending at 10 s: points at 9.6, 9.7, 9.8, 9.9 and 10 s. */
    static final long TO = 10_000;
    static final long STEP = 100;
    static final int STEPS = 5;

    final PrometheusHistory history = new PrometheusHistory(null, new PromqlRecipes(ConfigCheckTest.config(Map.of(
            "adapter.source", "prometheus", "adapter.prometheus.url", "http://prometheus:9090"))));
    final List<InferencePod> pods = List.of(pod("a"), pod("b"), pod("c"));

    static InferencePod pod(String name) {
        return new InferencePod(new PodKey("ml", name), "uid-" + name, Map.of(), "10.0.0.1", true, null, null, "model",
                null, 0, null, Long.MIN_VALUE);
    }

    static PrometheusApi.Series series(Map<String, String> labels, long[] at, double... values) {
        return new PrometheusApi.Series(labels, at, values);
    }

    static Map<String, String> labels(String namespace, String pod, String source) {
        return Map.of("namespace", namespace, "pod", pod, "source", source);
    }

    @Test
    void eachPointLandsInTheStepItEndsAndMissingStepsAreGaps() {
        Map<PodKey, PodHistory.Line> lines = history.lines("ml", pods, List.of(
                // the engine's times to the millisecond, give or take its float seconds
                series(labels("ml", "a", "vllm"), new long[] {9_600, 9_701, 9_900, 10_000}, 8, 7.5, 6, 5)), TO, STEP,
                STEPS);
        assertEquals(Set.of(new PodKey("ml", "a")), lines.keySet(), "b and c have no series: no line");
        assertArrayEquals(new double[] {8, 7.5, NaN, 6, 5}, lines.get(new PodKey("ml", "a")).points());
        assertEquals("vllm", lines.get(new PodKey("ml", "a")).source());
    }

    @Test
    void aPodThatChangedRecipeIsOneLineNamedAfterTheNewest() {
        Map<PodKey, PodHistory.Line> lines = history.lines("ml", pods, List.of(
                series(labels("ml", "a", "tgi"), new long[] {9_800, 9_900, 10_000}, 3, 3, 3),
                series(labels("ml", "a", "vllm"), new long[] {9_600, 9_700}, 1, 2)), TO, STEP, STEPS);
        assertArrayEquals(new double[] {1, 2, 3, 3, 3}, lines.get(new PodKey("ml", "a")).points());
        assertEquals("tgi", lines.get(new PodKey("ml", "a")).source());
    }

    @Test
    void otherPodsOtherNamespacesPointsOutsideTheSpanAndImplausibleValuesAreLeftOut() {
        Map<PodKey, PodHistory.Line> lines = history.lines("ml", pods, List.of(
                series(labels("ml", "not-shown", "vllm"), new long[] {10_000}, 1),
                series(labels("other", "b", "vllm"), new long[] {10_000}, 1),
                series(Map.of("pod", "b"), new long[] {10_000}, 1),
                series(labels("ml", "c", "vllm"), new long[] {9_400, 9_500, 9_600, 9_700, 9_800, 10_100},
                        1, 1, Double.POSITIVE_INFINITY, -1, NaN, 1)), TO, STEP, STEPS);
        assertEquals(Set.of(new PodKey("ml", "c")), lines.keySet());
        assertArrayEquals(new double[] {NaN, NaN, NaN, NaN, NaN}, lines.get(new PodKey("ml", "c")).points());
    }
}
