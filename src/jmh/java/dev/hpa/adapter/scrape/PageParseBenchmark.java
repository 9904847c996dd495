package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
 * Isolates {@link PrometheusTextParser#parse} on real model-server pages, wanting every series of the built-in
 * recipes, next to a bare newline count over the same bytes, the floor of any line-by-line parser.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Thread)
public class PageParseBenchmark {

    /** The golden pages of src/test/resources/pages, plus {@value #LARGE_VLLM}, a vLLM page of about 200 KB. */
    public static final String[] PAGES = {"torchserve", "triton", "kserve-python", "tgi", "vllm", "vllm-200k"};
    static final String LARGE_VLLM = "vllm-200k";
    private static final int LARGE_VLLM_BYTES = 200_000;

    @Param({"torchserve", "triton", "kserve-python", "tgi", "vllm", "vllm-200k"})
    public String page;

    private byte[] bytes;
    private PrometheusTextParser parser;

    @Setup
    public void setUp() throws MetricsFormatException {
        bytes = page(page);
        parser = new PrometheusTextParser(builtInSeries());
        // A page on which nothing is wanted would measure the skipping path only: refuse it.
        if (parser.parse(bytes, bytes.length).isEmpty()) {
            throw new IllegalStateException("no built-in series on page " + page);
        }
    }

    /** The adapter's parse of one scraped page: every line looked at, the wanted samples decoded. */
    @Benchmark
    public List<Sample> parse() throws MetricsFormatException {
        return parser.parse(bytes, bytes.length);
    }

    /** Only counts the newlines of the same bytes: what reading the page line by line costs at the least. */
    @Benchmark
    public int newlineScan() {
        byte[] b = bytes;
        int lines = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                lines++;
            }
        }
        return lines;
    }

    /** Every series name the built-in recipes read, as {@link PageReader} asks the parser for them. */
    static Set<String> builtInSeries() {
        Set<String> wanted = new LinkedHashSet<>();
        for (Recipe recipe : Recipe.BUILT_IN) {
            wanted.addAll(recipe.concurrency().names());
            if (recipe.rps() != null) {
                wanted.addAll(recipe.rps().names());
            }
        }
        return wanted;
    }

    /** The bytes of a page by its name in {@link #PAGES}. */
    public static byte[] page(String name) {
        return name.equals(LARGE_VLLM) ? largeVllmPage(golden("vllm")) : golden(name);
    }

    private static byte[] golden(String name) {
        String resource = "/pages/" + name + ".prom";
        try (InputStream in = PageParseBenchmark.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource + " on the class path (run with -Pbench)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The golden vLLM page grown to about 200 KB the way a busy vLLM grows it: each histogram family gets the
     * same sample lines again for further engines ({@code engine="1"}, {@code "2"}, ...), right after engine 0's,
     * so the page stays well-formed and the wanted gauges and counters stay a handful of lines among thousands.
     */
    static byte[] largeVllmPage(byte[] golden) {
        List<String> lines = new String(golden, UTF_8).lines().toList();
        int histogramBytes = 0;
        String type = "";
        for (String line : lines) {
            if (line.startsWith("# TYPE ")) {
                type = line;
            } else if (!line.startsWith("#") && type.endsWith(" histogram")) {
                histogramBytes += line.length() + 1;
            }
        }
        int extraEngines = (LARGE_VLLM_BYTES - golden.length + histogramBytes - 1) / histogramBytes;
        StringBuilder out = new StringBuilder(LARGE_VLLM_BYTES + histogramBytes);
        type = "";
        int familyStart = -1;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "#";
            boolean inHistogram = !line.startsWith("#") && type.endsWith(" histogram");
            if (inHistogram && familyStart < 0) {
                familyStart = out.length();
            }
            if (!inHistogram && familyStart >= 0) { // a histogram family's samples just ended: repeat them
                String family = out.substring(familyStart);
                for (int engine = 1; engine <= extraEngines; engine++) {
                    out.append(family.replace("engine=\"0\"", "engine=\"" + engine + "\""));
                }
                familyStart = -1;
            }
            if (i < lines.size()) {
                if (line.startsWith("# TYPE ")) {
                    type = line;
                }
                out.append(line).append('\n');
            }
        }
        return out.toString().getBytes(UTF_8);
    }
}
