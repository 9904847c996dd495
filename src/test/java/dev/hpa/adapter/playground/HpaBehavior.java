package dev.hpa.adapter.playground;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the HPA controller does with a replica count computed from metrics before it scales
 * ({@code horizontal.go normalizeDesiredReplicasWithBehaviors}), for the default {@code behavior} except a
 * shorter scale-down stabilization window: scale-down takes the highest recommendation of the window; scale-up is
 * limited per 15 s to the larger of +100 % and +4 pods; then min and max replicas.
 */
final class HpaBehavior {

    static final Duration POLICY_PERIOD = Duration.ofSeconds(15);
    static final int SCALE_UP_PODS = 4;
    static final int SCALE_UP_PERCENT = 100;

    private record Recommendation(long atNanos, int replicas) {}

    private record ScaleEvent(long atNanos, int change) {}

    private final int minReplicas;
    private final int maxReplicas;
    private final Duration scaleDownWindow;
    private final Deque<Recommendation> recommendations = new ArrayDeque<>();
    private final Deque<ScaleEvent> events = new ArrayDeque<>();

    HpaBehavior(int minReplicas, int maxReplicas, Duration scaleDownWindow) {
        this.minReplicas = minReplicas;
        this.maxReplicas = maxReplicas;
        this.scaleDownWindow = scaleDownWindow;
    }

    /** The replica count to scale to now, given the count the metrics ask for. */
    int normalize(int current, int desired, long nowNanos) {
        recommendations.removeIf(r -> r.atNanos() <= nowNanos - scaleDownWindow.toNanos());
        int downRecommendation = desired;
        for (Recommendation r : recommendations) {
            downRecommendation = Math.max(downRecommendation, r.replicas());
        }
        recommendations.add(new Recommendation(nowNanos, desired));
        // scale-up's stabilization window is 0 by default: only the recommendation of now counts
        int stabilized = Math.min(Math.max(current, desired), downRecommendation);

        events.removeIf(e -> e.atNanos() <= nowNanos - POLICY_PERIOD.toNanos());
        int next;
        if (stabilized > current) {
            int periodStart = current - events.stream().mapToInt(e -> Math.max(e.change(), 0)).sum();
            int limit = Math.max(periodStart + SCALE_UP_PODS, periodStart * (100 + SCALE_UP_PERCENT) / 100);
            next = Math.min(stabilized, Math.min(maxReplicas, Math.max(limit, current)));
        } else {
            // the default scale-down policy, 100 % per 15 s, limits nothing above minReplicas
            next = Math.max(stabilized, minReplicas);
        }
        next = Math.max(minReplicas, Math.min(maxReplicas, next));
        if (next != current) {
            events.add(new ScaleEvent(nowNanos, next - current));
        }
        return next;
    }
}
