package dev.hpa.adapter.derive;

import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodKey;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Map;

/**
 * Where the status page's charts come from: each pod's recent concurrency, rps or CPU in equal steps, from the
 * adapter's own windows ({@link WindowHistory}) or from a Prometheus-compatible engine
 * ({@code prometheus.PrometheusHistory}), chosen by {@code adapter.source} as {@link PodValues} is. For people, not
 * for the HPA: no membership rule and no freshness rule, just what was observed.
 */
public interface PodHistory {

    /**
     * One pod's line.
     *
     * @param source what read it (the recipe, or {@code kubelet} for CPU); null when unknown
     * @param points oldest first, one per step; NaN for a step nothing covers
     */
    record Line(String source, double[] points) {}

    /**
     * The line of each of {@code pods} (all of one namespace) over ({@code fromMillis}, {@code toMillis}] in
     * {@code steps} equal steps; a pod with nothing to draw is absent. Only the signal of {@code metric} counts, not
     * its window: a source averages each step as finely as it can. Fails with {@link ValuesUnavailableException},
     * its message for a person, when the source cannot answer at all.
     */
    Uni<Map<PodKey, Line>> lines(String namespace, List<InferencePod> pods, ServedMetric metric, long fromMillis,
            long toMillis, int steps);
}
