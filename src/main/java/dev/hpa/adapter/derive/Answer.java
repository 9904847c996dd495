package dev.hpa.adapter.derive;

import java.util.List;
import java.util.Map;

/**
 * The values for one request, and when there are none, why: the message a person reads in
 * {@code kubectl get --raw} or in the HPA's events.
 *
 * @param leftOut every candidate pod left out of {@code values}, by name, with the reason (all of them, in the
 *                order seen; {@code whyEmpty} names only the first few)
 */
public record Answer(List<MetricValue> values, String whyEmpty, Map<String, String> leftOut) {}
