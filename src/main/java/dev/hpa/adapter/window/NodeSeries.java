package dev.hpa.adapter.window;

/** The CPU and memory of one node, from its kubelet: the last two samples, for metrics.k8s.io's NodeMetrics. */
public final class NodeSeries {

    private final CounterRate cpu = new CounterRate();
    private final long staleAfterMillis;
    private long lastReadAt = Long.MIN_VALUE;
    private String problem;

    NodeSeries(long staleAfterMillis) {
        this.staleAfterMillis = staleAfterMillis;
    }

    synchronized void record(long readAtMillis, CpuReading.Counter counter, double memoryBytes) {
        cpu.add(counter, Double.NaN, memoryBytes);
        lastReadAt = readAtMillis;
        problem = null;
    }

    synchronized void fail(String why) {
        problem = why;
    }

    public synchronized String problem() {
        return problem;
    }

    /** The node's usage, or null when its kubelet was not read recently or has not given two samples yet. */
    public synchronized Usage usage(String name, long nowMillis) {
        boolean fresh = lastReadAt != Long.MIN_VALUE && nowMillis - lastReadAt <= staleAfterMillis;
        return fresh ? cpu.usage(name) : null;
    }
}
