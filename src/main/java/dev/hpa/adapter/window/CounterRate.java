package dev.hpa.adapter.window;

/**
 * The last two samples of one cumulative CPU counter, for a rate like metrics-server's. A sample that does not
 * advance the kubelet's timestamp adds nothing (its stats were not refreshed); one that goes down, or comes with a
 * new container start time, means a restart and starts over.
 */
final class CounterRate {

    private CpuReading.Counter previous;
    private CpuReading.Counter last;
    private double startTime = Double.NaN;
    private double memoryBytes = Double.NaN;

    /** @param memoryBytes the working set read with the sample, NaN when the kubelet had none */
    void add(CpuReading.Counter sample, double startTimeSeconds, double memoryBytes) {
        this.memoryBytes = memoryBytes;
        if (sample == null || !Double.isFinite(sample.coreSeconds())) {
            return;
        }
        boolean restarted = restartedAt(startTimeSeconds);
        startTime = startTimeSeconds;
        if (last != null && !restarted && sample.atMillis() <= last.atMillis()) {
            return;
        }
        previous = last == null || restarted || sample.coreSeconds() < last.coreSeconds() ? null : last;
        last = sample;
    }

    /** Whether a sample with this container start time means the container restarted. */
    boolean restartedAt(double startTimeSeconds) {
        return !Double.isNaN(startTime) && !Double.isNaN(startTimeSeconds) && startTime != startTimeSeconds;
    }

    /** The usage between the last two samples, or null before there are two. */
    Usage usage(String name) {
        if (previous == null) {
            return null;
        }
        long window = last.atMillis() - previous.atMillis();
        return new Usage(name, (last.coreSeconds() - previous.coreSeconds()) / (window / 1000.0), memoryBytes,
                last.atMillis(), window);
    }
}
