package dev.hpa.adapter.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hpa.adapter.window.CpuReading.Container;
import dev.hpa.adapter.window.CpuReading.Counter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CPU rates between the kubelet's own sample times: what advances, what resets, what goes stale. */
class CpuSeriesTest {

    static final long T0 = 1_700_000_000_000L;
    static final long STALE = 15_000;

    final CpuSeries series = new CpuSeries(64, 60_000, STALE);

    /** A read at {@code readAt} of a kubelet whose stats were taken at {@code statsAt}: one container. */
    static CpuReading read(long readAt, long statsAt, double coreSeconds, double startTime) {
        Counter counter = new Counter(coreSeconds, statsAt);
        return new CpuReading(readAt, counter, List.of(new Container("kserve-container", counter, 1e8, startTime)));
    }

    @Test
    void rateIsTakenBetweenTheKubeletsTimestampsNotOurReads() {
        series.record(read(T0, T0 - 3000, 100, 1));
        assertNull(series.average(6000, T0), "one sample is no rate");
        // Read 5 s later, but the kubelet's stats are 12 s newer: 6 core-seconds over 12 s is 0.5 cores.
        series.record(read(T0 + 5000, T0 + 9000, 106, 1));
        CpuSeries.Average average = series.average(6000, T0 + 5000);
        assertEquals(0.5, average.cores(), 1e-9);
        assertEquals(T0 + 9000, average.atMillis(), "the value describes the kubelet's moment");
        assertEquals(6000, average.coveredMillis());
        Usage container = series.containers(T0 + 5000).get(0);
        assertEquals(0.5, container.cores(), 1e-9);
        assertEquals(12_000, container.windowMillis());
        assertEquals(1e8, container.memoryBytes());
    }

    @Test
    void aReadWhoseStatsDidNotAdvanceAddsNothing() {
        series.record(read(T0, T0, 100, 1));
        series.record(read(T0 + 5000, T0 + 10_000, 105, 1));
        series.record(read(T0 + 10_000, T0 + 10_000, 105, 1)); // housekeeping not run yet
        assertEquals(0.5, series.average(6000, T0 + 10_000).cores(), 1e-9);
        assertEquals(10_000, series.containers(T0 + 10_000).get(0).windowMillis());
    }

    @Test
    void theStableWindowWeighsEachSpanByItsLength() {
        series.record(read(T0, T0, 0, 1));
        series.record(read(T0 + 10_000, T0 + 10_000, 10, 1));   // 1 core for 10 s
        series.record(read(T0 + 40_000, T0 + 40_000, 25, 1));   // 0.5 cores for 30 s
        assertEquals(25 / 40.0, series.average(60_000, T0 + 40_000).cores(), 1e-9);
        assertEquals(40_000, series.average(60_000, T0 + 40_000).coveredMillis());
        assertEquals(0.5, series.average(6000, T0 + 40_000).cores(), 1e-9);
    }

    @Test
    void aCounterThatWentDownStartsOverInsteadOfANegativeRate() {
        series.record(read(T0, T0, 100, 1));
        series.record(read(T0 + 10_000, T0 + 10_000, 105, 1));
        series.record(read(T0 + 20_000, T0 + 20_000, 2, 1));     // reset without a new start time
        assertEquals(0.5, series.average(6000, T0 + 20_000).cores(), 1e-9, "the last good span still stands");
        assertNull(series.containers(T0 + 20_000), "the container has one sample since its reset");
        series.record(read(T0 + 30_000, T0 + 30_000, 5, 1));
        assertEquals(0.3, series.average(6000, T0 + 30_000).cores(), 1e-9);
        assertEquals(0.3, series.containers(T0 + 30_000).get(0).cores(), 1e-9);
    }

    @Test
    void aNewContainerStartTimeIsARestartEvenWhenTheCounterGrew() {
        series.record(read(T0, T0, 1, 1));
        series.record(read(T0 + 10_000, T0 + 10_000, 6, 1));
        // Restarted and already used more than before: without the start time this would read 0.9 cores.
        series.record(read(T0 + 20_000, T0 + 20_000, 15, 2));
        assertEquals(0.5, series.average(6000, T0 + 20_000).cores(), 1e-9);
        series.record(read(T0 + 30_000, T0 + 30_000, 17, 2));
        assertEquals(0.2, series.average(6000, T0 + 30_000).cores(), 1e-9);
    }

    @Test
    void aPodWhoseKubeletStoppedAnsweringGoesStale() {
        series.record(read(T0, T0, 100, 1));
        series.record(read(T0 + 5000, T0 + 5000, 102, 1));
        series.fail("kubelet node-a: timeout");
        assertEquals(0.4, series.average(6000, T0 + 5000 + STALE).cores(), 1e-9, "fresh until the limit");
        assertNull(series.average(6000, T0 + 5001 + STALE));
        assertNull(series.containers(T0 + 5001 + STALE));
        assertEquals("kubelet node-a: timeout", series.problem());
    }

    @Test
    void containersAreReportedOnlyWhenEachHasTwoSamples() {
        Counter a0 = new Counter(10, T0);
        series.record(new CpuReading(T0, a0, List.of(new Container("a", a0, 1, 1))));
        Counter a1 = new Counter(12, T0 + 10_000);
        Counter b1 = new Counter(0, T0 + 10_000);
        series.record(new CpuReading(T0 + 10_000, new Counter(12, T0 + 10_000),
                List.of(new Container("a", a1, 1, 1), new Container("b", b1, 1, 5))));
        assertNull(series.containers(T0 + 10_000), "b has one sample: the pod is left out, as metrics-server does");
        Counter a2 = new Counter(14, T0 + 20_000);
        Counter b2 = new Counter(1, T0 + 20_000);
        series.record(new CpuReading(T0 + 20_000, new Counter(15, T0 + 20_000),
                List.of(new Container("a", a2, 1, 1), new Container("b", b2, 1, 5))));
        assertEquals(List.of("a", "b"), series.containers(T0 + 20_000).stream().map(Usage::name).toList());
        // A container that left the page is forgotten with it.
        series.record(new CpuReading(T0 + 30_000, new Counter(17, T0 + 30_000),
                List.of(new Container("a", new Counter(16, T0 + 30_000), 1, 1))));
        assertEquals(List.of("a"), series.containers(T0 + 30_000).stream().map(Usage::name).toList());
    }
}
