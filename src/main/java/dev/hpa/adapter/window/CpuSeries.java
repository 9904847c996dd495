package dev.hpa.adapter.window;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The recent CPU of one pod, from its node's kubelet: the pod's cores over the exact spans between the kubelet's
 * samples, and each container's last two samples for metrics.k8s.io. Written by the kubelet scrape of the pod's
 * node, read by API requests.
 *
 * <p>Windows end at the kubelet's newest sample, not at the time of the request: the kubelet refreshes its stats
 * every 10-15 s, so a window ending "now" would often hold nothing yet. The value's timestamp says which moment it
 * describes.
 */
public final class CpuSeries {

    private final SignalWindow cores;
    private final long maxSpanMillis;
    private final long staleAfterMillis;
    private final Map<String, CounterRate> containers = new LinkedHashMap<>();
    private long lastReadAt = Long.MIN_VALUE;
    private String problem;

    CpuSeries(int capacity, long maxSpanMillis, long staleAfterMillis) {
        this.cores = new SignalWindow(capacity);
        this.maxSpanMillis = maxSpanMillis;
        this.staleAfterMillis = staleAfterMillis;
    }

    synchronized void record(CpuReading reading) {
        boolean restarted = false;
        Set<String> present = new HashSet<>();
        for (CpuReading.Container c : reading.containers()) {
            present.add(c.name());
            CounterRate rate = containers.computeIfAbsent(c.name(), name -> new CounterRate());
            restarted |= rate.restartedAt(c.startTimeSeconds());
            rate.add(c.cpu(), c.startTimeSeconds(), c.memoryBytes());
        }
        containers.keySet().retainAll(present);
        if (restarted) {
            cores.resetTotal(); // a restarted container's counter starts again from zero: no rate across it
        }
        if (reading.pod() != null && Double.isFinite(reading.pod().coreSeconds())) {
            cores.addTotal(reading.pod().atMillis(), reading.pod().coreSeconds(), maxSpanMillis);
        }
        lastReadAt = reading.readAtMillis();
        problem = null;
    }

    /** Notes why the latest read of the pod's kubelet failed; earlier samples stay, and age out on their own. */
    synchronized void fail(String why) {
        problem = why;
    }

    /** Why the latest read failed, or null when it succeeded. */
    public synchronized String problem() {
        return problem;
    }

    public synchronized boolean fresh(long nowMillis) {
        return lastReadAt != Long.MIN_VALUE && nowMillis - lastReadAt <= staleAfterMillis;
    }

    /**
     * The pod's average cores over the {@code windowMillis} before the kubelet's newest sample, or null when the
     * pod's kubelet has not been read recently or has not given two samples yet.
     */
    public synchronized Average average(long windowMillis, long nowMillis) {
        if (!fresh(nowMillis) || cores.isEmpty()) {
            return null;
        }
        long end = cores.newestEnd();
        long from = end - windowMillis;
        double value = cores.average(from, end);
        return Double.isNaN(value) ? null : new Average(value, end, end - Math.max(from, cores.oldestStart()));
    }

    /** The pod's cores over ({@code fromMillis}, {@code toMillis}] in {@code buckets} spans, for the status page. */
    public synchronized double[] buckets(long fromMillis, long toMillis, int buckets) {
        return cores.buckets(fromMillis, toMillis, buckets);
    }

    /** Each container's usage, in page order; null when any container lacks two samples (as metrics-server). */
    public synchronized List<Usage> containers(long nowMillis) {
        if (!fresh(nowMillis) || containers.isEmpty()) {
            return null;
        }
        List<Usage> usage = new ArrayList<>(containers.size());
        for (Map.Entry<String, CounterRate> c : containers.entrySet()) {
            Usage u = c.getValue().usage(c.getKey());
            if (u == null) {
                return null;
            }
            usage.add(u);
        }
        return usage;
    }

    /**
     * @param cores         the time-weighted average over the covered span
     * @param atMillis      the kubelet's timestamp of the newest sample in it
     * @param coveredMillis how far back from {@code atMillis} the samples reach, at most the window asked for
     */
    public record Average(double cores, long atMillis, long coveredMillis) {}
}
