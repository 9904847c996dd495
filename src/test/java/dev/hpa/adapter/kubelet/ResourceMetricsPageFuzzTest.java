package dev.hpa.adapter.kubelet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.scrape.MetricsFormatException;
import dev.hpa.adapter.scrape.PrometheusTextParser;
import dev.hpa.adapter.scrape.Sample;
import dev.hpa.adapter.window.CpuReading;
import dev.hpa.adapter.window.Observation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of a kubelet's {@code /metrics/resource} page, whose CPU counters and working sets go to
 * metrics.k8s.io as they are (memory) or as rates between two reads (CPU).
 */
class ResourceMetricsPageFuzzTest {

    private static final PrometheusTextParser LABELS = new PrometheusTextParser(Set.of(ResourceMetricsPage.POD_CPU,
            ResourceMetricsPage.CONTAINER_CPU, ResourceMetricsPage.CONTAINER_MEMORY));
    private static final long READ_AT = 1_700_000_000_000L;

    /**
     * A page fails with MetricsFormatException, or every counter and working set it yields is a finite, non-negative
     * number (memory may be absent: NaN); a negative, NaN or infinite one would be served as CPU or memory.
     */
    // Values and shapes a page may hold that coverage alone rarely steers to (a sign, NaN, Inf); libFuzzer's
    // dictionary syntax: one entry a line, so a newline only as an escape.
    @DictionaryEntries({"NaN", "+Inf", "-Inf", "-1", "1e308", "-0", "0x1p3", "# EOF", "# TYPE ", " counter", " gauge",
            "namespace=", "pod=", "container=", "\\x0A"})
    @FuzzTest
    void parse(byte[] bytes) {
        ResourceMetricsPage page;
        try {
            page = ResourceMetricsPage.parse(bytes, bytes.length, READ_AT);
        } catch (MetricsFormatException e) {
            assertTrue(!e.getMessage().isEmpty());
            return;
        }
        if (page.nodeCpu() != null) {
            counter("node", page.nodeCpu());
        }
        memory("node", page.nodeMemory());
        for (PodKey pod : pods(bytes)) {
            CpuReading reading = page.pod(pod);
            if (reading == null) {
                continue;
            }
            counter(pod + " pod", reading.pod());
            for (CpuReading.Container c : reading.containers()) {
                if (c.cpu() != null) {
                    counter(pod + " " + c.name(), c.cpu());
                }
                memory(pod + " " + c.name(), c.memoryBytes());
            }
        }
    }

    private static void counter(String what, CpuReading.Counter counter) {
        assertTrue(Observation.plausible(counter.coreSeconds()), what + " CPU " + counter.coreSeconds());
    }

    private static void memory(String what, double bytes) {
        assertTrue(Double.isNaN(bytes) || Observation.plausible(bytes), what + " memory " + bytes);
    }

    /** The pods the page names: those {@link ResourceMetricsPage#pod} may know. */
    private static Set<PodKey> pods(byte[] bytes) {
        Set<PodKey> pods = new HashSet<>();
        try {
            List<Sample> samples = LABELS.parse(bytes, bytes.length);
            for (Sample s : samples) {
                String namespace = s.labels().get("namespace");
                String name = s.labels().get("pod");
                if (namespace != null && name != null) {
                    pods.add(new PodKey(namespace, name));
                }
            }
        } catch (MetricsFormatException e) {
            throw new AssertionError("the page parsed once, not twice: " + e.getMessage());
        }
        return pods;
    }
}
