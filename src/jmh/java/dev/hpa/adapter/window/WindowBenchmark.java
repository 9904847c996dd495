package dev.hpa.adapter.window;

import dev.hpa.adapter.pods.PodKey;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Isolates one pod's {@link PodSeries}: recording one scrape's reading, and averaging a signal over the burst
 * (6 s) and the stable (60 s) window, on a ring that is full with 1 s observations.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Thread)
public class WindowBenchmark {

    private static final long INTERVAL_MILLIS = 1_000;
    private static final long STABLE_MILLIS = 60_000;
    private static final long BURST_MILLIS = 6_000;

    private PodSeries series;
    private long now;
    private double requests;

    @Setup
    public void fill() {
        // Through SampleStore, so that the ring has the capacity the adapter gives it (60 s + a quarter, + 4).
        SampleStore store = new SampleStore(STABLE_MILLIS, INTERVAL_MILLIS);
        PodKey pod = new PodKey("kserve-test", "llama-predictor-5f7b9d8c6-m4kq2");
        now = 1_764_284_400_000L;
        for (int i = 0; i < 2 * STABLE_MILLIS / INTERVAL_MILLIS; i++) { // twice round: every slot is taken
            store.record(pod, nextReading());
        }
        series = store.get(pod);
    }

    /** The next scrape of a vLLM-like pod: an in-flight gauge for concurrency, a request counter for rps. */
    private Reading nextReading() {
        now += INTERVAL_MILLIS;
        requests += 7;
        return new Reading(now, "vllm", Observation.level(10 + (now / INTERVAL_MILLIS) % 5), Observation.total(requests));
    }

    /** One scrape's write: a level and a counter total into a full ring, reading object included. */
    @Benchmark
    public PodSeries record() {
        series.record(nextReading());
        return series;
    }

    /** One pod's value for the burst window, as an API answer asks for it. */
    @Benchmark
    public double average6s() {
        return series.average(Signal.CONCURRENCY, now - BURST_MILLIS, now);
    }

    /** One pod's value for the stable window, as an API answer asks for it. */
    @Benchmark
    public double average60s() {
        return series.average(Signal.CONCURRENCY, now - STABLE_MILLIS, now);
    }
}
