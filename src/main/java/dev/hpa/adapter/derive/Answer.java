package dev.hpa.adapter.derive;

import java.util.List;

/**
 * The values for one request, and when there are none, why: the message a person reads in
 * {@code kubectl get --raw} or in the HPA's events.
 */
public record Answer(List<MetricValue> values, String whyEmpty) {}
