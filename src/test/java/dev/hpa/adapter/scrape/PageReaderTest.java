package dev.hpa.adapter.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.window.Observation;
import dev.hpa.adapter.window.Reading;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which recipe reads each real server's page, and what it reads: one row per server. */
class PageReaderTest {

    static final PageReader READER = new PageReader(Recipe.BUILT_IN);
    static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

    static byte[] page(String name) throws IOException {
        try (InputStream in = PageReaderTest.class.getResourceAsStream("/pages/" + name)) {
            return in.readAllBytes();
        }
    }

    static Stream<Arguments> pages() {
        return Stream.of(
                // Little's law: the latency counter, µs → busy seconds; rps from the arrival counter.
                Arguments.of("torchserve.prom", "torchserve", Observation.total(0.290371129), Observation.total(3)),
                // Summed over models; failures by every reason count as requests too.
                Arguments.of("triton.prom", "triton", Observation.total(12.345678), Observation.total(812)),
                // In flight = running + waiting.
                Arguments.of("vllm.prom", "vllm", Observation.level(15), Observation.total(812)),
                Arguments.of("tgi.prom", "tgi", Observation.level(20), Observation.total(402)),
                Arguments.of("kserve-python.prom", "kserve-python", Observation.total(6.006712835282087),
                        Observation.total(3)),
                Arguments.of("kserve-python.openmetrics", "kserve-python", Observation.total(6.006712835282087),
                        Observation.total(3)),
                Arguments.of("otel-http.prom", "otel-http", Observation.level(3), Observation.total(282)),
                // Knative ≤ 1.5 queue-proxy text: already per-second averages.
                Arguments.of("knative-legacy.prom", "knative-queue-proxy-text", Observation.level(3.5),
                        Observation.level(12)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void readsEachServersPage(String file, String recipe, Observation concurrency, Observation rps)
            throws Exception {
        byte[] page = page(file);
        Reading reading = READER.read(TEXT, page, page.length, 1000);
        assertEquals(recipe, reading.source());
        assertEquals(concurrency.kind(), reading.concurrency().kind());
        assertEquals(concurrency.value(), reading.concurrency().value(), 1e-9);
        assertEquals(rps.kind(), reading.rps().kind());
        assertEquals(rps.value(), reading.rps().value(), 1e-9);
    }

    @Test
    void readsQueueProxysProtobufStat() throws Exception {
        // pod_name "pod-a", average_concurrent_requests 3.5, request_count 12, process_uptime 100.25 (reference §1.2)
        byte[] stat = HexFormat.of().parseHex(("0a 05 70 6f 64 2d 61  11 00 00 00 00 00 00 0c 40"
                + "  21 00 00 00 00 00 00 28 40  31 00 00 00 00 00 10 59 40").replace(" ", ""));
        Reading reading = READER.read("application/protobuf", stat, stat.length, 1000);
        assertEquals("queue-proxy", reading.source());
        assertEquals(Observation.level(3.5), reading.concurrency());
        assertEquals(Observation.level(12), reading.rps());
    }

    @Test
    void aPageWithoutAnyKnownSeriesSaysWhatWasLookedFor() {
        byte[] page = "# TYPE my_inflight gauge\nmy_inflight 3\n".getBytes(StandardCharsets.UTF_8);
        MetricsFormatException e = assertThrows(MetricsFormatException.class,
                () -> READER.read(TEXT, page, page.length, 1000));
        assertTrue(e.getMessage().startsWith("no known concurrency series on the page (looked for "
                + "queue_average_concurrent_requests, vllm:num_requests_running"), e.getMessage());
        assertTrue(e.getMessage().endsWith("add a recipe under adapter.recipes for this server"), e.getMessage());
    }

    @Test
    void anOperatorsRecipeIsTriedFirst() throws Exception {
        PageReader reader = new PageReader(Stream.concat(
                Stream.of(new Recipe("mine", Recipe.Series.gauge("tgi_queue_size"), null)),
                Recipe.BUILT_IN.stream()).toList());
        byte[] page = page("tgi.prom");
        Reading reading = reader.read(TEXT, page, page.length, 1000);
        assertEquals("mine", reading.source());
        assertEquals(Observation.level(4), reading.concurrency());
        assertEquals(null, reading.rps());
    }

    @Test
    void prometheusProtobufIsRefusedByName() {
        byte[] body = {1, 2, 3};
        MetricsFormatException e = assertThrows(MetricsFormatException.class, () -> READER.read(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
                body, body.length, 1000));
        assertTrue(e.getMessage().contains("Prometheus protobuf"), e.getMessage());
    }

    static Stream<Arguments> impossibleLoads() {
        return Stream.of(
                Arguments.of("vllm:num_requests_running{model_name=\"m\"} NaN\nvllm:num_requests_waiting 0\n",
                        "vllm:num_requests_running{model_name=\"m\"} is NaN; a load must be a finite number from 0 to 2^53"),
                Arguments.of("vllm:num_requests_running +Inf\n", "vllm:num_requests_running is Infinity; "),
                Arguments.of("vllm:num_requests_running 1\nvllm:num_requests_waiting -1\n",
                        "vllm:num_requests_waiting is -1.0; "),
                Arguments.of("vllm:num_requests_running 1e308\n", "vllm:num_requests_running is 1.0E308; "),
                Arguments.of("ts_inference_latency_microseconds -Inf\n", "ts_inference_latency_microseconds is -Infinity; "),
                Arguments.of("vllm:num_requests_running 1\nvllm:request_success_total NaN\n",
                        "vllm:request_success_total is NaN; "),
                Arguments.of("vllm:num_requests_running{engine=\"0\"} 5e15\nvllm:num_requests_running{engine=\"1\"} 5e15\n",
                        "vllm's concurrency, summed over the page, is 1.0E16; "),
                Arguments.of("tgi_queue_size{a=\"1\",b=\"2\"} 1\ntgi_queue_size{b=\"2\",a=\"1\"} 1\n",
                        "tgi_queue_size{b=\"2\",a=\"1\"} appears twice on the page; summing both would count its load twice"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("impossibleLoads")
    void anImpossibleLoadSpoilsThePageWithItsName(String text, String message) {
        byte[] page = text.getBytes(StandardCharsets.UTF_8);
        MetricsFormatException e = assertThrows(MetricsFormatException.class,
                () -> READER.read(TEXT, page, page.length, 1000));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void anImpossibleLoadInTheStatSpoilsIt() {
        // average_concurrent_requests NaN (field 2, fixed64 0x7ff8000000000000)
        byte[] stat = HexFormat.of().parseHex("11000000000000f87f");
        MetricsFormatException e = assertThrows(MetricsFormatException.class,
                () -> READER.read("application/protobuf", stat, stat.length, 1000));
        assertEquals("average_concurrent_requests of the Stat is NaN; a load must be a finite number from 0 to 2^53",
                e.getMessage());
    }

    @Test
    void seriesOfOtherRecipesDoNotSpoilThePage() throws Exception {
        // A NaN in KServe's histogram and a doubled TGI gauge beside vLLM's gauges, which are read.
        byte[] page = "request_predict_seconds_sum NaN\ntgi_queue_size 1\ntgi_queue_size 1\nvllm:num_requests_running 3\n"
                .getBytes(StandardCharsets.UTF_8);
        Reading reading = READER.read(TEXT, page, page.length, 1000);
        assertEquals("vllm", reading.source());
        assertEquals(Observation.level(3), reading.concurrency());
    }
}
