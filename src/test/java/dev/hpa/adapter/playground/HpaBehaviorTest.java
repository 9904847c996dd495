package dev.hpa.adapter.playground;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The HPA controller's default behavior, as horizontal.go applies it; times are seconds on a made-up clock. */
class HpaBehaviorTest {

    final HpaBehavior behavior = new HpaBehavior(1, 10, Duration.ofSeconds(60));

    int at(double seconds, int current, int desired) {
        return behavior.normalize(current, desired, (long) (seconds * 1e9));
    }

    @Test
    void scaleUpIsLimitedToFourPodsOrDoublingPerFifteenSeconds() {
        assertEquals(5, at(0, 1, 10)); // max(1 + 4, 1 × 2)
        assertEquals(5, at(10, 5, 10)); // the period began at 1 pod, so 5 is still the limit
        assertEquals(10, at(16, 5, 10)); // a new period: max(5 + 4, 5 × 2)
    }

    @Test
    void scaleDownWaitsForTheHighestRecommendationOfTheWindowToExpire() {
        assertEquals(5, at(0, 1, 5));
        assertEquals(5, at(15, 5, 1));
        assertEquals(5, at(59, 5, 1)); // the 5 of t=0 is still in the window
        assertEquals(1, at(61, 5, 1));
    }

    @Test
    void staysWithinMinAndMaxReplicas() {
        assertEquals(1, at(0, 1, 0));
        assertEquals(10, at(0, 8, 40));
    }
}
