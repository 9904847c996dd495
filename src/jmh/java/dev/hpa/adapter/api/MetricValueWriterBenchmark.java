package dev.hpa.adapter.api;

import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.ObjectReference;
import dev.hpa.adapter.pods.LabelSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Isolates {@link MetricValueWriter#write}: the wire JSON of a MetricValueList of {@value #PODS} pod values,
 * with no metricLabelSelector, in either API version.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Thread)
public class MetricValueWriterBenchmark {

    static final int PODS = 100;

    @Param({"V1BETA2", "V1BETA1"})
    public ApiVersion version;

    private List<MetricValue> values;

    @Setup
    public void setUp() {
        values = podValues();
    }

    /** One answer body of {@value #PODS} items, as the pods endpoint writes it. */
    @Benchmark
    public byte[] write() {
        return MetricValueWriter.write(version, values, LabelSelector.EVERYTHING);
    }

    /** The size of the body {@link #write} produces for {@code version}. */
    public static int bodyBytes(ApiVersion version) {
        return MetricValueWriter.write(version, podValues(), LabelSelector.EVERYTHING).length;
    }

    private static List<MetricValue> podValues() {
        Instant readAt = Instant.parse("2026-11-27T23:05:26.417Z");
        List<MetricValue> values = new ArrayList<>(PODS);
        for (int i = 0; i < PODS; i++) {
            String pod = "torchserve-predictor-7d9c6b8f4-%05x".formatted(0x1a2b3 * (i + 1) & 0xfffff);
            values.add(new MetricValue(ObjectReference.pod("kserve-test", pod), "concurrency",
                    Map.of("source", "torchserve"), wholeSecond(readAt.plusMillis(7L * i)), 6, 9_000 + 137L * i));
        }
        return values;
    }

    /** As PodMetrics stamps values: the second of the newest read behind each (metav1.Time has no fraction). */
    private static Instant wholeSecond(Instant t) {
        return Instant.ofEpochSecond(t.getEpochSecond());
    }
}
