package dev.hpa.adapter.testing;

import java.util.Arrays;

/**
 * Ground truth of one fake server: every arrival and completion, stamped with {@link System#nanoTime()}.
 * Pages are rendered from its snapshots, so what a page says and what the test asserts come from one source.
 * Thread-safe: HTTP handlers write on the event loop while tests read from their own thread.
 */
final class Ledger {
    private final long startNanos;
    private final InFlightHistory history;
    private final Histogram pythonSeconds = new Histogram(Histogram.PYTHON_DEFAULT);
    private final Histogram vllmSeconds = new Histogram(Histogram.VLLM_E2E);
    private final Histogram tgiSeconds = new Histogram(Histogram.TGI_DURATION);
    private final Histogram otelSeconds = new Histogram(Histogram.OTEL_HTTP);
    private long[] arrivalTimes = new long[4096]; // ascending; arrivals are stamped under the lock
    private int arrivals;
    private long completed;
    private long latencyNanos; // Σ latency of completed requests: what latency counters add at response time
    private long waitingNanos; // ∫ waiting dt, accrued up to lastChangeNanos
    private long lastChangeNanos;
    private int maxBatch = 8;

    Ledger(long startNanos) {
        this.startNanos = startNanos;
        this.history = new InFlightHistory(startNanos);
        this.lastChangeNanos = startNanos;
    }

    /** A request arrived now; returns its arrival instant for {@link #complete(long)}. */
    synchronized long arrive() {
        long now = System.nanoTime();
        accrueWaiting(now);
        if (arrivals == arrivalTimes.length) {
            arrivalTimes = Arrays.copyOf(arrivalTimes, arrivals * 2);
        }
        arrivalTimes[arrivals++] = now;
        history.change(now, history.current() + 1);
        return now;
    }

    /** The request that arrived at {@code arrivedNanos} is answered now. */
    synchronized void complete(long arrivedNanos) {
        long now = System.nanoTime();
        accrueWaiting(now);
        completed++;
        long latency = now - arrivedNanos;
        latencyNanos += latency;
        double seconds = latency / 1e9;
        pythonSeconds.observe(seconds);
        vllmSeconds.observe(seconds);
        tgiSeconds.observe(seconds);
        otelSeconds.observe(seconds);
        history.change(now, history.current() - 1);
    }

    /**
     * Requests beyond this many count as waiting, the rest as running. The split is notional (every request is
     * held for the service time from arrival); it gives vLLM/TGI/Triton's queue gauges something true to show.
     */
    synchronized void maxBatch(int maxBatch) {
        accrueWaiting(System.nanoTime());
        this.maxBatch = maxBatch;
    }

    synchronized int inFlight() {
        return history.current();
    }

    synchronized long arrivals() {
        return arrivals;
    }

    synchronized long completed() {
        return completed;
    }

    synchronized double averageInFlight(long fromNanos, long toNanos) {
        if (toNanos < fromNanos) {
            throw new IllegalArgumentException("window ends before it starts");
        }
        if (toNanos > System.nanoTime()) {
            throw new IllegalArgumentException("window ends in the future; its average is not known yet");
        }
        if (toNanos == fromNanos) {
            return history.integral(fromNanos - 1, fromNanos); // the level at that instant
        }
        return (double) history.integral(fromNanos, toNanos) / (toNanos - fromNanos);
    }

    /** {min, max} of in-flight over [from, to]. */
    synchronized int[] inFlightRange(long fromNanos, long toNanos) {
        return history.range(fromNanos, toNanos);
    }

    /** Requests that arrived in (from, to]. */
    synchronized long arrivals(long fromNanos, long toNanos) {
        return arrivalsUpTo(toNanos) - arrivalsUpTo(fromNanos);
    }

    /** ∫ in-flight dt over [from, to] in request·nanoseconds. */
    synchronized long inFlightIntegral(long fromNanos, long toNanos) {
        return history.integral(fromNanos, toNanos);
    }

    synchronized LoadSnapshot snapshot() {
        long now = System.nanoTime();
        accrueWaiting(now);
        int inFlight = history.current();
        int running = Math.min(inFlight, maxBatch);
        long inFlightNanos = history.integral(startNanos, now);
        return new LoadSnapshot(now - startNanos, inFlight, running, inFlight - running, arrivals, completed,
                latencyNanos, inFlightNanos - waitingNanos, waitingNanos,
                pythonSeconds.copy(), vllmSeconds.copy(), tgiSeconds.copy(), otelSeconds.copy());
    }

    private int arrivalsUpTo(long nanos) {
        int i = Arrays.binarySearch(arrivalTimes, 0, arrivals, nanos);
        if (i < 0) {
            return -i - 1;
        }
        while (i < arrivals && arrivalTimes[i] == nanos) {
            i++; // equal stamps: count them all
        }
        return i;
    }

    private void accrueWaiting(long now) {
        waitingNanos += Math.max(0, history.current() - maxBatch) * (now - lastChangeNanos);
        lastChangeNanos = now;
    }
}
