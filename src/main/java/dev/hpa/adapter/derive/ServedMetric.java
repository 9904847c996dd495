package dev.hpa.adapter.derive;

import dev.hpa.adapter.window.Signal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The metrics this adapter serves, by the name an HPA asks for. The short names follow load quickly (the burst
 * window): the HPA multiplies the per-pod average by the pod count, so a long window that still remembers the
 * load from before a scale-up makes it overshoot, and the HPA already smooths scale-down itself (300 s). The
 * {@code _stable} names average over the stable window, for HPAs that want smoothing; an HPA that lists both
 * takes the larger proposal: fast up, slow down.
 *
 * <p>The {@code cpu*} names come from the kubelets instead of the pods: cores, and the percentage of the pod's CPU
 * request, which is what an HPA Resource target means by utilization.
 */
public enum ServedMetric {
    CONCURRENCY("concurrency", Signal.CONCURRENCY, false),
    CONCURRENCY_STABLE("concurrency_stable", Signal.CONCURRENCY, true),
    RPS("rps", Signal.RPS, false),
    RPS_STABLE("rps_stable", Signal.RPS, true),
    CPU("cpu", null, false),
    CPU_STABLE("cpu_stable", null, true),
    CPU_UTILIZATION("cpu_utilization", null, false),
    CPU_UTILIZATION_STABLE("cpu_utilization_stable", null, true);

    /** In discovery order. */
    public static final List<ServedMetric> ALL = List.of(values());

    private final String metricName;
    private final Signal signal;
    private final boolean stable;

    ServedMetric(String metricName, Signal signal, boolean stable) {
        this.metricName = metricName;
        this.signal = signal;
        this.stable = stable;
    }

    public static Optional<ServedMetric> named(String name) {
        return Arrays.stream(values()).filter(m -> m.metricName.equals(name)).findFirst();
    }

    /**
     * The served name nearest to {@code name} by edit distance (case ignored): "concurrency" for "concurency",
     * for messages about a metric this adapter does not serve.
     */
    public static ServedMetric closestTo(String name) {
        ServedMetric best = ALL.get(0);
        int bestDistance = Integer.MAX_VALUE;
        for (ServedMetric m : ALL) {
            int d = editDistance(name.toLowerCase(java.util.Locale.ROOT), m.metricName);
            if (d < bestDistance) {
                best = m;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, two rows. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    public String metricName() {
        return metricName;
    }

    /** The pod-scraped signal behind the value; null for the kubelet's CPU. */
    public Signal signal() {
        return signal;
    }

    /** Read from the kubelets rather than from the pods. */
    public boolean cpu() {
        return signal == null;
    }

    /** CPU as a percentage of the pod's CPU request. */
    public boolean utilization() {
        return this == CPU_UTILIZATION || this == CPU_UTILIZATION_STABLE;
    }

    /** Averaged over the stable window rather than the burst window. */
    public boolean stable() {
        return stable;
    }
}
