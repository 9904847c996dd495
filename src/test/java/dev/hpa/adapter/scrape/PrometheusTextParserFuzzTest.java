package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the text parser with every series name the adapter asks pods and kubelets for.
 * {@code ./mvnw verify} replays the corpus in {@code PrometheusTextParserFuzzTestInputs/}; {@code bench/fuzz.sh}
 * fuzzes.
 */
class PrometheusTextParserFuzzTest {

    static final Set<String> WANTED = wanted();
    private static final PrometheusTextParser PARSER = new PrometheusTextParser(WANTED);

    /**
     * A page either fails with MetricsFormatException or yields only wanted samples, at most one a line, each
     * with a value written on that page; bytes past {@code length} never matter; parsing twice gives the same.
     */
    // Values and shapes a page may hold that coverage alone rarely steers to (a sign, NaN, Inf); libFuzzer's
    // dictionary syntax: one entry a line, so a newline only as an escape.
    @DictionaryEntries({"NaN", "+Inf", "-Inf", "-1", "1e308", "-0", "0x1p3", "# EOF", "# TYPE ", " counter", " gauge",
            "namespace=", "pod=", "container=", "\\x0A"})
    @FuzzTest
    void parse(byte[] page) {
        List<Sample> samples;
        try {
            samples = PARSER.parse(page, page.length);
        } catch (MetricsFormatException e) {
            assertTrue(e.getMessage().startsWith("line "), e.getMessage());
            return;
        }
        assertTrue(samples.size() <= lines(page), "more samples than lines");
        Set<Long> numbers = numbers(page);
        for (Sample s : samples) {
            assertTrue(WANTED.contains(s.name()), s.name());
            assertTrue(numbers.contains(bits(s.value())), "value " + s.value() + " of " + s.name() + " is not on the page");
        }
        byte[] padded = Arrays.copyOf(page, page.length + 7);
        Arrays.fill(padded, page.length, padded.length, (byte) '{');
        try {
            assertEquals(samples, PARSER.parse(padded, page.length), "bytes past length changed the result");
        } catch (MetricsFormatException e) {
            throw new AssertionError("bytes past length made the page fail: " + e.getMessage());
        }
    }

    static Set<String> wanted() {
        Set<String> names = new HashSet<>();
        for (Recipe recipe : Recipe.BUILT_IN) {
            names.addAll(recipe.concurrency().names());
            if (recipe.rps() != null) {
                names.addAll(recipe.rps().names());
            }
        }
        names.addAll(List.of("pod_cpu_usage_seconds_total", "container_cpu_usage_seconds_total",
                "container_memory_working_set_bytes", "container_start_time_seconds", "node_cpu_usage_seconds_total",
                "node_memory_working_set_bytes"));
        return Set.copyOf(names);
    }

    private static int lines(byte[] page) {
        int lines = 1;
        for (byte b : page) {
            lines += b == '\n' ? 1 : 0;
        }
        return lines;
    }

    /**
     * The numbers the page's blank-separated words read as (Go's float syntax, Inf and NaN included), by their bits:
     * a value the parser returns must be one of them. Read once per input, so that big pages fuzz fast.
     */
    static Set<Long> numbers(byte[] page) {
        Set<Long> numbers = new HashSet<>();
        for (String token : new String(page, ISO_8859_1).split("[ \t\r\n]+")) {
            String t = token.toLowerCase(java.util.Locale.ROOT);
            String unsigned = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
            if (unsigned.equals("inf") || unsigned.equals("infinity")) {
                numbers.add(bits(t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY));
            } else if (t.equals("nan")) {
                numbers.add(bits(Double.NaN));
            } else if (!unsigned.isEmpty() && unsigned.chars().allMatch(c -> "0123456789.e+-".indexOf(c) >= 0)) {
                try {
                    numbers.add(bits(Double.parseDouble(t)));
                } catch (NumberFormatException notANumber) {
                    // another word
                }
            }
        }
        return numbers;
    }

    /** Every NaN is the same NaN here. */
    static long bits(double value) {
        return Double.doubleToLongBits(value);
    }
}