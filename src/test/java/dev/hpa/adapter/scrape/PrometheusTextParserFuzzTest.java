package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Set<String> tokens = tokens(page);
        for (Sample s : samples) {
            assertTrue(WANTED.contains(s.name()), s.name());
            assertTrue(valueOnPage(s.value(), tokens), "value " + s.value() + " of " + s.name() + " is not on the page");
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

    /** Every blank-separated word of the page, as text: a value the parser returns must be one of them. */
    static Set<String> tokens(byte[] page) {
        Set<String> tokens = new HashSet<>();
        for (String token : new String(page, ISO_8859_1).split("[ \t\r\n]+")) {
            tokens.add(token);
        }
        return tokens;
    }

    /** Whether some word of the page reads as this value (Go's float syntax, including Inf and NaN). */
    static boolean valueOnPage(double value, Set<String> tokens) {
        for (String token : tokens) {
            String t = token.toLowerCase(java.util.Locale.ROOT);
            String unsigned = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
            if (unsigned.equals("inf") || unsigned.equals("infinity")) {
                if (value == (t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)) {
                    return true;
                }
            } else if (t.equals("nan")) {
                if (Double.isNaN(value)) {
                    return true;
                }
            } else if (unsigned.matches("[0-9.eE+-]+")) {
                try {
                    if (Double.compare(Double.parseDouble(t), value) == 0) {
                        return true;
                    }
                } catch (NumberFormatException notANumber) {
                    // another word
                }
            }
        }
        return false;
    }
}
