package dev.hpa.adapter.window;

import java.util.List;

/**
 * What one read of a kubelet's {@code /metrics/resource} says about one pod.
 *
 * @param readAtMillis when the page was read (wall clock): freshness is judged on it
 * @param pod          the pod's CPU counter; the sum of its containers' when the kubelet has no pod-level series
 * @param containers   each container's counters, for metrics.k8s.io
 */
public record CpuReading(long readAtMillis, Counter pod, List<Container> containers) {

    /**
     * A cumulative CPU counter at the kubelet's own sample time: rates are taken between the kubelet's
     * timestamps, not ours, because it refreshes its stats on its own schedule (10-15 s).
     */
    public record Counter(double coreSeconds, long atMillis) {}

    /**
     * @param cpu              null when the page has no CPU series for the container
     * @param memoryBytes      working set, NaN when absent
     * @param startTimeSeconds when the container started, NaN when absent: a change means it restarted
     */
    public record Container(String name, Counter cpu, double memoryBytes, double startTimeSeconds) {}
}
