package dev.hpa.adapter.derive;

import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values gathered for one request: a reading per pod kept, and a reason per pod left out. {@link PodMetrics}
 * leaves out the pods that membership rules out (not ready, no CPU request); a {@link PodValues} adds the values
 * of the rest, or leaves them out too.
 */
public final class PodReadings {

    /** How many left-out pods an explanation names before it just counts the rest. */
    private static final int REASONS_SHOWN = 5;

    /**
     * One pod's value.
     *
     * @param source        what the value was read from: the recipe's name, or {@code kubelet} for CPU
     * @param value         requests in flight, requests per second, or CPU cores
     * @param atMillis      when the newest sample behind it was taken
     * @param windowSeconds the span it averages over
     */
    public record Reading(InferencePod pod, String source, double value, long atMillis, long windowSeconds) {}

    private final List<Reading> readings = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();
    private final Map<String, String> leftOutPods = new LinkedHashMap<>();
    private int leftOut;

    public void add(InferencePod pod, String source, double value, long atMillis, long windowSeconds) {
        readings.add(new Reading(pod, source, value, atMillis, windowSeconds));
    }

    public void leaveOut(InferencePod pod, String reason) {
        leftOutPods.put(pod.key().name(), reason);
        if (leftOut++ < REASONS_SHOWN) {
            reasons.add(pod.key().name() + ": " + reason);
        }
    }

    public List<Reading> readings() {
        return readings;
    }

    Map<String, String> leftOut() {
        return leftOutPods;
    }

    /** Why a pod whose values come from {@code source} is not selected, or null when it is. */
    public static String labelMismatch(String source, LabelSelector metricSelector) {
        if (metricSelector.isEverything()) {
            return null; // what the HPA nearly always sends: no label map to build per pod
        }
        return metricSelector.matches(PodMetrics.metricLabels(source)) ? null
                : "its metric labels {source=" + source + "} do not match metricLabelSelector " + metricSelector;
    }

    String whyEmpty(String what, String watched) {
        if (leftOut == 0) {
            return "no " + what + " " + watched;
        }
        String shown = String.join("; ", reasons);
        String more = leftOut > REASONS_SHOWN ? "; and " + (leftOut - REASONS_SHOWN) + " more" : "";
        return "no value for " + what + " (" + shown + more + ")";
    }
}
