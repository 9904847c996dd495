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
 */
public enum ServedMetric {
    CONCURRENCY("concurrency", Signal.CONCURRENCY, false),
    CONCURRENCY_STABLE("concurrency_stable", Signal.CONCURRENCY, true),
    RPS("rps", Signal.RPS, false),
    RPS_STABLE("rps_stable", Signal.RPS, true);

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

    public String metricName() {
        return metricName;
    }

    public Signal signal() {
        return signal;
    }

    /** Averaged over the stable window rather than the burst window. */
    public boolean stable() {
        return stable;
    }
}
