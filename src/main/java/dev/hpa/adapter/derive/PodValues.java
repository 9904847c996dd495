package dev.hpa.adapter.derive;

import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Where the per-pod values of an answer come from: the adapter's own windows ({@link WindowValues}) or a
 * Prometheus-compatible engine ({@code prometheus.PrometheusValues}), chosen by {@code adapter.source}. Which pods
 * are asked for is not theirs to decide: {@link PodMetrics} hands over only the watched, ready pods that a request
 * selects.
 */
public interface PodValues {

    /**
     * Adds to {@code readings} a value for each of {@code pods} (all of one namespace) that has one, and leaves out
     * the others with the reason. Fails with {@link ValuesUnavailableException} when no value can be read at all.
     */
    Uni<Void> read(String namespace, List<InferencePod> pods, ServedMetric metric, LabelSelector metricSelector,
            long nowMillis, PodReadings readings);
}
