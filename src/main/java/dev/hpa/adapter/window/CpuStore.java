package dev.hpa.adapter.window;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.PodKey;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent CPU of every watched pod whose node's kubelet is read, and of those nodes. Bounded like
 * {@link SampleStore}: one ring per pod sized to the stable window, dropped when the pod stops being tracked.
 */
// @Singleton, not @ApplicationScoped: an answer looks up every selected pod here, and a client proxy put a context
// lookup in front of each of those (2 % of a 100-pod answer).
@Singleton
public class CpuStore {

    /** Kubelet reads missed before a pod's CPU is left out: as for pods, three misses are an outage. */
    static final int STALE_AFTER_INTERVALS = 3;

    private final Map<PodKey, CpuSeries> pods = new ConcurrentHashMap<>();
    private final Map<String, NodeSeries> nodes = new ConcurrentHashMap<>();
    private final int capacity;
    private final long maxSpanMillis;
    private final long staleAfterMillis;

    @Inject
    public CpuStore(AdapterConfig config) {
        this(config.window().stable().toMillis(), config.kubelet().interval().toMillis());
    }

    CpuStore(long windowMillis, long intervalMillis) {
        // A span covers at least one read interval (the kubelet's timestamps advance no faster than we read).
        this.capacity = (int) (windowMillis / intervalMillis * 5 / 4) + 4;
        // A rate over a longer span than the stable window is older than anything an answer averages.
        this.maxSpanMillis = windowMillis;
        this.staleAfterMillis = STALE_AFTER_INTERVALS * intervalMillis;
    }

    public void record(PodKey pod, CpuReading reading) {
        series(pod).record(reading);
    }

    public void recordFailure(PodKey pod, String why) {
        series(pod).fail(why);
    }

    /** The pod's CPU, or null when its kubelet was never read for it or it has been forgotten. */
    public CpuSeries get(PodKey pod) {
        return pods.get(pod);
    }

    public void forget(PodKey pod) {
        pods.remove(pod);
    }

    public void recordNode(String node, long readAtMillis, CpuReading.Counter cpu, double memoryBytes) {
        nodes.computeIfAbsent(node, n -> new NodeSeries(staleAfterMillis)).record(readAtMillis, cpu, memoryBytes);
    }

    public void recordNodeFailure(String node, String why) {
        nodes.computeIfAbsent(node, n -> new NodeSeries(staleAfterMillis)).fail(why);
    }

    public NodeSeries node(String node) {
        return nodes.get(node);
    }

    /** The nodes whose kubelet is being read. */
    public Set<String> nodeNames() {
        return nodes.keySet();
    }

    public void forgetNode(String node) {
        nodes.remove(node);
    }

    public long staleAfterMillis() {
        return staleAfterMillis;
    }

    private CpuSeries series(PodKey pod) {
        return pods.computeIfAbsent(pod, k -> new CpuSeries(capacity, maxSpanMillis, staleAfterMillis));
    }
}
