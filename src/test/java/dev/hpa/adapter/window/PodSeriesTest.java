package dev.hpa.adapter.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Windows and derivations, with time passed in: one row per behaviour, readings at 1 s unless a row says. */
class PodSeriesTest {

    static final long T0 = 1_700_000_000_000L; // a whole second, like any wall clock at some point
    static final long INTERVAL = 1000;

    /** A scrape at {@code at} ms after T0. */
    record At(long at, Observation concurrency) {}

    static At level(long at, double v) {
        return new At(at, Observation.level(v));
    }

    static At total(long at, double v) {
        return new At(at, Observation.total(v));
    }

    static List<At> levels(long from, long to, double v) {
        List<At> list = new ArrayList<>();
        for (long t = from; t <= to; t += INTERVAL) {
            list.add(level(t, v));
        }
        return list;
    }

    static List<At> totals(long from, long to, double perSecond) {
        List<At> list = new ArrayList<>();
        for (long t = from; t <= to; t += INTERVAL) {
            list.add(total(t, 1000 + perSecond * t / 1000.0));
        }
        return list;
    }

    @SafeVarargs
    static List<At> concat(List<At>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("steady gauge", levels(0, 10_000, 10), 6_000, 10_000, 10.0),
                Arguments.of("a step 0 → 50 three seconds ago reads half way in a 6 s window",
                        concat(levels(0, 7_000, 0), levels(8_000, 10_000, 50)), 6_000, 10_000, 25.0),
                Arguments.of("the stable window remembers the step for longer",
                        concat(levels(0, 57_000, 0), levels(58_000, 60_000, 50)), 60_000, 60_000, 2.5),
                Arguments.of("a new pod: averaged over the part it was observed, not padded with zeros",
                        levels(57_000, 60_000, 8), 60_000, 60_000, 8.0),
                Arguments.of("busy-seconds counter: 20 s of work per second is 20 in flight (Little's law)",
                        totals(0, 10_000, 20), 6_000, 10_000, 20.0),
                Arguments.of("a counter that went down: that interval is dropped, the rate resumes after",
                        concat(totals(0, 5_000, 20), List.of(total(6_000, 3), total(7_000, 23), total(8_000, 43),
                                total(9_000, 63), total(10_000, 83))), 6_000, 10_000, 20.0),
                Arguments.of("missed scrapes shrink the observed part instead of counting as zero",
                        concat(levels(0, 5_000, 0), levels(5_000, 7_000, 12), levels(9_000, 10_000, 12)), 4_000,
                        10_000, 12.0),
                Arguments.of("a counter that jumps beyond any load: that interval is dropped, like a reset",
                        concat(totals(0, 5_000, 20), List.of(total(5_500, 8e15), total(6_500, 8e15 + 20),
                                total(7_500, 8e15 + 40), total(8_500, 8e15 + 60), total(9_500, 8e15 + 80))), 6_000,
                        9_500, 20.0), // 8e15 in half a second is 1.6e16 per second: more than 2^53
                Arguments.of("NaN and Inf on a page never reach the window",
                        concat(levels(0, 8_000, 4), List.of(level(9_000, Double.NaN),
                                level(10_000, Double.POSITIVE_INFINITY))), 6_000, 10_000, 4.0),
                Arguments.of("a gauge scraped every 500 ms is weighted by time, not by count",
                        concat(levels(0, 8_000, 2), List.of(level(8_500, 6), level(9_000, 6), level(9_500, 6),
                                level(10_000, 6))), 4_000, 10_000, 4.0)); // by count it would be 4.67
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void averages(String behaviour, List<At> readings, long window, long now, double expected) {
        PodSeries series = new PodSeries(80, INTERVAL, 3 * INTERVAL, 60_000);
        for (At r : readings) {
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        assertEquals(expected, series.average(Signal.CONCURRENCY, T0 + now - window, T0 + now), 0.05, behaviour);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("noValueRows")
    void leftOut(String behaviour, List<At> readings, long now) {
        PodSeries series = new PodSeries(80, INTERVAL, 3 * INTERVAL, 60_000);
        for (At r : readings) {
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        assertTrue(Double.isNaN(series.average(Signal.CONCURRENCY, T0 + now - 6_000, T0 + now)), behaviour);
    }

    static Stream<Arguments> noValueRows() {
        return Stream.of(
                Arguments.of("a counter needs two readings", List.of(total(10_000, 5)), 10_000),
                Arguments.of("stale: no reading for more than three intervals", levels(0, 6_000, 5), 10_000),
                Arguments.of("never read", List.of(), 10_000),
                Arguments.of("a signal the page does not carry", List.of(new At(10_000, null)), 10_000));
    }

    @org.junit.jupiter.api.Test
    void averageSinceLeavesOutTheObservationThatStraddlesTheMoment() {
        PodSeries series = new PodSeries(80, INTERVAL, 3 * INTERVAL, 60_000);
        for (At r : concat(levels(0, 5_000, 50), levels(6_000, 8_000, 25))) {
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        // (5000, 6000] began before 5300: it is an average that still carries the 50 from before.
        assertEquals(25.0, series.averageSince(Signal.CONCURRENCY, T0 + 5_300, T0 + 8_000), 1e-9);
        assertEquals(37.5, series.average(Signal.CONCURRENCY, T0 + 6_000, T0 + 8_000) + 12.5, 1e-9);
        assertTrue(Double.isNaN(series.averageSince(Signal.CONCURRENCY, T0 + 7_500, T0 + 8_000)));
    }

    @org.junit.jupiter.api.Test
    void observedSinceRestartsAfterAnOutage() {
        PodSeries series = new PodSeries(80, INTERVAL, 3 * INTERVAL, 60_000);
        for (At r : levels(0, 3_000, 1)) {
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        series.fail("timeout: no full answer");
        for (At r : concat(levels(10_000, 12_000, 1))) {
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        assertEquals(T0 + 10_000, series.observedSince());
    }

    @org.junit.jupiter.api.Test
    void aGapWithoutFailuresIsTheAdaptersOwnLatenessAndKeepsTheWindow() {
        PodSeries series = new PodSeries(80, INTERVAL, 3 * INTERVAL, 60_000);
        for (At r : concat(totals(0, 3_000, 20), totals(8_000, 10_000, 20))) { // 5 s without a scrape
            series.record(new Reading(T0 + r.at(), "test", r.concurrency(), null));
        }
        assertEquals(T0, series.observedSince());
        assertEquals(20.0, series.average(Signal.CONCURRENCY, T0 + 4_000, T0 + 10_000), 1e-9); // the gap counted
    }

    /**
     * A busy node, simulated with time passed in: a pod holding 20 requests of 200 ms that complete in waves (a
     * starved client re-sends them together), so its busy-seconds counter steps by 4 s every 200 ms and the true
     * average is exactly 20; the scrapes, due every 250 ms, come late by up to 60 ms, and every few seconds the
     * adapter stalls for 1 to 1.5 s (its timers late, nothing failing). The 2 s window must stay within the
     * granularity of the waves; restarting the window after each stall took it 60 % off.
     */
    @org.junit.jupiter.api.Test
    void lateScrapesOnABusyNodeDoNotMoveALittlesLawWindow() {
        LateScrapes quiet = LateScrapes.run(false, 0);
        LateScrapes busy = LateScrapes.run(true, 0);
        LateScrapes busyAndStampedLate = LateScrapes.run(true, 75);
        System.out.printf("Little's law, 2 s window, 20 in flight: worst error quiet %.1f %%, busy %.1f %%,"
                + " busy with stamps up to 75 ms late %.1f %%%n", quiet.worst * 100, busy.worst * 100,
                busyAndStampedLate.worst * 100);
        assertTrue(quiet.worst <= 0.12, "quiet: " + quiet.worst);
        assertTrue(busy.worst <= 0.12, "busy: " + busy.worst);
        assertTrue(busyAndStampedLate.worst <= 0.17, "stamped late: " + busyAndStampedLate.worst);
    }

    /** One simulated minute of {@link #lateScrapesOnABusyNodeDoNotMoveALittlesLawWindow}, answered every 100 ms. */
    record LateScrapes(double worst) {
        static final long WINDOW = 2_000;
        static final long SCRAPE_INTERVAL = 250;

        static LateScrapes run(boolean stalls, long maxStampError) {
            java.util.Random random = new java.util.Random(7);
            PodSeries series = new PodSeries(80, SCRAPE_INTERVAL, 3 * SCRAPE_INTERVAL, 10_000);
            long due = 113; // the pod's random phase
            long nextStall = 3_000;
            long at = due;
            double worst = 0;
            for (long now = 0; now <= 60_000; now += 100) {
                while (at <= now) {
                    double busySeconds = 4.0 * (at / 200); // the page, as written at `at`
                    long stamp = at + (maxStampError == 0 ? 0 : random.nextLong(maxStampError + 1));
                    series.record(new Reading(T0 + stamp, "torchserve", Observation.total(busySeconds), null));
                    while (due <= at) {
                        due += SCRAPE_INTERVAL; // ticks missed while late are skipped, as busy targets skip them
                    }
                    at = due + random.nextInt(61);
                    if (stalls && at >= nextStall) {
                        at += 1_000 + random.nextInt(501);
                        nextStall = at + 2_000 + random.nextInt(3_000);
                    }
                }
                double value = series.average(Signal.CONCURRENCY, T0 + now - WINDOW, T0 + now);
                if (now >= 5_000 && !Double.isNaN(value)) {
                    worst = Math.max(worst, Math.abs(value - 20) / 20);
                }
            }
            return new LateScrapes(worst);
        }
    }
}
