package dev.hpa.adapter.window;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ring's averages stop at the first span that ends before the window: they must equal a full scan. */
class SignalWindowTest {

    record Span(long from, long to, double level) {}

    @Test
    void averagesEqualAFullScanOfTheKeptSpans() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            int capacity = 1 + random.nextInt(70);
            SignalWindow window = new SignalWindow(capacity);
            List<Span> kept = new ArrayList<>();
            long t = 1_000_000;
            int spans = random.nextInt(150);
            for (int i = 0; i < spans; i++) {
                long gap = random.nextInt(4) == 0 ? random.nextInt(5_000) : 0; // missed scrapes leave holes
                long from = t + gap;
                long to = from + 1 + random.nextInt(2_000);
                double level = random.nextDouble() * 100;
                window.addLevel(from, to, level);
                kept.add(new Span(from, to, level));
                t = to;
            }
            List<Span> ring = kept.subList(Math.max(0, kept.size() - capacity), kept.size());
            for (int q = 0; q < 20; q++) {
                long now = t - random.nextInt(3_000);
                long length = 1 + random.nextInt(60_000);
                assertEquals(fullScan(ring, now - length, now), window.average(now - length, now), 1e-9,
                        "average over " + length + " ms before " + now);
                long since = now - random.nextInt(60_000);
                assertEquals(fullScanSince(ring, since, now), window.averageSince(since, now), 1e-9,
                        "averageSince " + since);
            }
        }
    }

    @Test
    void aSpanEndingNoLaterThanTheNewestIsDropped() {
        SignalWindow window = new SignalWindow(10);
        window.addLevel(0, 1_000, 4);
        window.addLevel(1_000, 2_000, 4);
        window.addLevel(500, 1_500, 1_000); // a clock stepped back: would break the ring's order
        assertEquals(2_000, window.newestEnd());
        assertEquals(4.0, window.average(0, 2_000), 1e-12);
    }

    private static double fullScan(List<Span> spans, long from, long now) {
        double integral = 0;
        long covered = 0;
        for (Span s : spans) {
            long start = Math.max(s.from(), from);
            long end = Math.min(s.to(), now);
            if (end > start) {
                integral += s.level() * (end - start);
                covered += end - start;
            }
        }
        return covered > 0 ? integral / covered : Double.NaN;
    }

    private static double fullScanSince(List<Span> spans, long since, long now) {
        double integral = 0;
        long covered = 0;
        for (Span s : spans) {
            if (s.from() >= since && s.to() <= now) {
                integral += s.level() * (s.to() - s.from());
                covered += s.to() - s.from();
            }
        }
        return covered > 0 ? integral / covered : Double.NaN;
    }
}
