package dev.hpa.adapter.derive;

import java.time.Instant;
import java.util.Map;

/**
 * One value of one metric for one object: the single model behind both API versions.
 *
 * @param metricLabels  the labels of the series behind the value, matched by {@code metricLabelSelector}
 * @param timestamp     when the newest page behind the value was read
 * @param windowSeconds the span the value averages over
 * @param milliValue    the value in thousandths, as Kubernetes Quantities count
 */
public record MetricValue(
        ObjectReference describedObject,
        String metric,
        Map<String, String> metricLabels,
        Instant timestamp,
        long windowSeconds,
        long milliValue) {}
