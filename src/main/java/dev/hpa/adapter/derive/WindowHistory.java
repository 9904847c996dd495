package dev.hpa.adapter.derive;

import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.CpuSeries;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.PodSeries;
import dev.hpa.adapter.window.SampleStore;
import io.smallrye.mutiny.Uni;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts from the adapter's own windows ({@code adapter.source=scrape}): each step the time-weighted average
 * of the observations kept, in memory. Answers at once.
 */
public final class WindowHistory implements PodHistory {

    private final SampleStore store;
    private final CpuStore cpu;

    public WindowHistory(SampleStore store, CpuStore cpu) {
        this.store = store;
        this.cpu = cpu;
    }

    /** A pod the adapter has never read (or has forgotten) has no line; one it has read draws even its gaps. */
    @Override
    public Uni<Map<PodKey, Line>> lines(String namespace, List<InferencePod> pods, ServedMetric metric,
            long fromMillis, long toMillis, int steps) {
        Map<PodKey, Line> lines = new HashMap<>();
        for (InferencePod pod : pods) {
            if (metric.cpu()) {
                CpuSeries cores = cpu.get(pod.key());
                if (cores != null) {
                    lines.put(pod.key(), new Line(PodMetrics.KUBELET_SOURCE, cores.buckets(fromMillis, toMillis,
                            steps)));
                }
            } else {
                PodSeries load = store.get(pod.key());
                if (load != null) {
                    lines.put(pod.key(), new Line(load.source(), load.buckets(metric.signal(), fromMillis, toMillis,
                            steps)));
                }
            }
        }
        return Uni.createFrom().item(lines);
    }
}
