package dev.hpa.adapter.scrape;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hpa.adapter.window.Observation;
import dev.hpa.adapter.window.Reading;
import java.util.List;

/**
 * Coverage-guided fuzzing of what a pod's page becomes: a {@link Reading} of the built-in recipes, or queue-proxy's
 * {@code Stat} when the content type says protobuf. The first input byte picks the content type.
 */
class PageReaderFuzzTest {

    private static final List<String> CONTENT_TYPES = List.of("text/plain; version=0.0.4; charset=utf-8",
            "application/openmetrics-text; version=1.0.0; charset=utf-8", "application/protobuf",
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", "");
    private static final PageReader READER = new PageReader(Recipe.BUILT_IN);

    /** A page is refused with MetricsFormatException or read into observations the window can take as they are. */
    // Values and shapes a page may hold that coverage alone rarely steers to (a sign, NaN, Inf); libFuzzer's
    // dictionary syntax: one entry a line, so a newline only as an escape.
    @DictionaryEntries({"NaN", "+Inf", "-Inf", "-1", "1e308", "-0", "0x1p3", "# EOF", "# TYPE ", " counter", " gauge",
            "namespace=", "pod=", "container=", "\\x0A"})
    @FuzzTest
    void read(FuzzedDataProvider data) {
        String contentType = data.pickValue(CONTENT_TYPES);
        byte[] page = data.consumeRemainingAsBytes();
        Reading reading;
        try {
            reading = READER.read(contentType.isEmpty() ? null : contentType, page, page.length, 1_000);
        } catch (MetricsFormatException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertNotNull(reading.concurrency(), "a reading without concurrency");
        plausible("concurrency", reading.concurrency());
        if (reading.rps() != null) {
            plausible("request count", reading.rps());
        }
    }

    private static void plausible(String what, Observation observation) {
        assertTrue(Observation.plausible(observation.value()), what + " " + observation.value() + " is no load");
    }
}
