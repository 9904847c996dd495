package dev.hpa.adapter.kubelet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.scrape.MetricsFormatException;
import dev.hpa.adapter.window.CpuReading;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The kubelet's /metrics/resource, verbatim from its own tests and as a 1.30 kubelet writes it. */
class ResourceMetricsPageTest {

    static final long READ_AT = 1_800_000_000_000L;

    static ResourceMetricsPage parse(String page) throws MetricsFormatException {
        byte[] bytes = page.getBytes(UTF_8);
        return ResourceMetricsPage.parse(bytes, bytes.length, READ_AT);
    }

    @Test
    void theKubeletsOwnTestPageWithoutPodSeriesSumsTheContainers() throws Exception {
        String page;
        try (InputStream in = getClass().getResourceAsStream("/pages/kubelet-resource.prom")) {
            page = new String(in.readAllBytes(), UTF_8);
        }
        ResourceMetricsPage parsed = parse(page);
        CpuReading pod = parsed.pod(new PodKey("namespace_a", "pod_a"));
        assertEquals(10, pod.pod().coreSeconds());
        assertEquals(1624396278302L, pod.pod().atMillis(), "the kubelet's stats time, in ms");
        assertEquals(1, pod.containers().size());
        assertEquals("container_a", pod.containers().get(0).name());
        assertEquals(1.6243962483020916e+09, pod.containers().get(0).startTimeSeconds());
        assertTrue(Double.isNaN(pod.containers().get(0).memoryBytes()));
        assertEquals(10, parsed.nodeCpu().coreSeconds());
        assertNull(parsed.pod(new PodKey("namespace_a", "other")));
    }

    static final String RECENT = """
            # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
            # TYPE container_cpu_usage_seconds_total counter
            container_cpu_usage_seconds_total{container="kserve-container",namespace="team-a",pod="llama-0"} 1234.567 1800000000123
            container_cpu_usage_seconds_total{container="queue-proxy",namespace="team-a",pod="llama-0"} 12.5 1800000000120
            # HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
            # TYPE container_memory_working_set_bytes gauge
            container_memory_working_set_bytes{container="kserve-container",namespace="team-a",pod="llama-0"} 4.294967296e+09 1800000000123
            # HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems
            # TYPE container_swap_usage_bytes gauge
            container_swap_usage_bytes{container="kserve-container",namespace="team-a",pod="llama-0"} 0 1800000000123
            # HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
            # TYPE node_cpu_usage_seconds_total counter
            node_cpu_usage_seconds_total 98765.4 1800000000100
            # HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
            # TYPE node_memory_working_set_bytes gauge
            node_memory_working_set_bytes 1.6e+10 1800000000100
            # HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
            # TYPE pod_cpu_usage_seconds_total counter
            pod_cpu_usage_seconds_total{namespace="team-a",pod="llama-0"} 1250.25 1800000000125
            # HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE resource_scrape_error gauge
            resource_scrape_error 0
            """;

    @Test
    void thePodCgroupsCounterIsPreferredToTheSumOfContainers() throws Exception {
        ResourceMetricsPage parsed = parse(RECENT);
        CpuReading pod = parsed.pod(new PodKey("team-a", "llama-0"));
        assertEquals(1250.25, pod.pod().coreSeconds(), "pod_cpu_usage_seconds_total counts the pause container too");
        assertEquals(1800000000125L, pod.pod().atMillis());
        assertEquals(READ_AT, pod.readAtMillis());
        assertEquals(4294967296.0, pod.containers().get(0).memoryBytes());
        assertEquals(12.5, pod.containers().get(1).cpu().coreSeconds());
        assertEquals(1.6e10, parsed.nodeMemory());
    }

    @Test
    void aSampleWithoutTimestampIsTakenAsOfTheRead() throws Exception {
        ResourceMetricsPage parsed = parse("pod_cpu_usage_seconds_total{namespace=\"a\",pod=\"b\"} 3\n");
        assertEquals(READ_AT, parsed.pod(new PodKey("a", "b")).pod().atMillis());
    }

    @Test
    void garbageAndForeignPagesAreRefusedWithAReason() {
        MetricsFormatException html = assertThrows(MetricsFormatException.class,
                () -> parse("<html><body>Bad Gateway</body></html>\n"));
        assertTrue(html.getMessage().contains("line 1"), html.getMessage());
        MetricsFormatException other = assertThrows(MetricsFormatException.class,
                () -> parse("# TYPE go_goroutines gauge\ngo_goroutines 42\n"));
        assertTrue(other.getMessage().contains("is this a kubelet's /metrics/resource?"), other.getMessage());
        MetricsFormatException broken = assertThrows(MetricsFormatException.class,
                () -> parse("pod_cpu_usage_seconds_total{namespace=\"a\",pod=\"b\"} twelve 1800000000000\n"));
        assertTrue(broken.getMessage().contains("line 1"), broken.getMessage());
    }

    /** Found by ResourceMetricsPageFuzzTest: a working set of +Inf was served as 8Ei of memory, -1 as -1. */
    @Test
    void numbersNoCounterOrGaugeCanHaveLeaveThePodOutWithAReason() throws Exception {
        for (String value : new String[] {"NaN", "+Inf", "-1", "1e300"}) {
            ResourceMetricsPage parsed = parse("""
                    container_cpu_usage_seconds_total{container="c",namespace="a",pod="bad"} 12 1800000000000
                    container_memory_working_set_bytes{container="c",namespace="a",pod="bad"} %s 1800000000000
                    pod_cpu_usage_seconds_total{namespace="a",pod="good"} 3 1800000000000
                    node_cpu_usage_seconds_total %s 1800000000000
                    node_memory_working_set_bytes %s 1800000000000
                    """.formatted(value, value, value));
            PodKey bad = new PodKey("a", "bad");
            assertNull(parsed.pod(bad), value);
            assertEquals("container_memory_working_set_bytes of container c is " + Double.parseDouble(
                    value.replace("Inf", "Infinity")) + "; CPU seconds and bytes must be finite numbers from 0 to 2^53",
                    parsed.problem(bad));
            assertEquals(3, parsed.pod(new PodKey("a", "good")).pod().coreSeconds(), "the other pods stay");
            assertNull(parsed.nodeCpu(), value);
            assertTrue(Double.isNaN(parsed.nodeMemory()), value);
        }
    }
}
