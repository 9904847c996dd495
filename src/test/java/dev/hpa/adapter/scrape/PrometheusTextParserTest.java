package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrometheusTextParserTest {
    private static final String TORCHSERVE_HOST = "88665a372f4b.ant.amazon.com";
    private static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    private static final String KNATIVE_POD = "torchserve-predictor-00001-deployment-69444c9c74-rq8jq";
    private static final String OTEL_SCOPE = "io.opentelemetry.netty-4.1";

    static Stream<Arguments> goldenPages() {
        List<Sample> kservePython = List.of(
                sample("process_cpu_seconds_total", 5.35),
                sample("request_predict_seconds_count", 3.0, "model_name", "custom-server-test"),
                sample("request_predict_seconds_sum", 6.006712835282087, "model_name", "custom-server-test"),
                // prometheus_client's _created: a sample like any other; telling it from load is the caller's job
                sample("request_predict_seconds_created", 1.6710664789786139e+09, "model_name", "custom-server-test"));
        Set<String> kservePythonNames = Set.of("process_cpu_seconds_total", "request_predict_seconds_count",
                "request_predict_seconds_sum", "request_predict_seconds_created");
        return Stream.of(
                Arguments.of("torchserve.prom",
                        Set.of("ts_inference_latency_microseconds", "ts_queue_latency_microseconds", "ts_inference_requests_total"),
                        List.of(torchserve("ts_inference_requests_total", 3.0),
                                torchserve("ts_inference_latency_microseconds", 290371.129),
                                torchserve("ts_queue_latency_microseconds", 365.21))),
                Arguments.of("triton.prom",
                        Set.of("nv_inference_pending_request_count", "nv_inference_request_duration_us"),
                        List.of(sample("nv_inference_request_duration_us", 12345678, "model", "densenet_onnx", "version", "1"),
                                sample("nv_inference_request_duration_us", 0, "model", "cc_fraud_detect_model", "version", "1"),
                                sample("nv_inference_pending_request_count", 3, "model", "densenet_onnx", "version", "1"),
                                sample("nv_inference_pending_request_count", 0, "model", "cc_fraud_detect_model", "version", "1"))),
                Arguments.of("vllm.prom",
                        Set.of("vllm:num_requests_running", "vllm:num_requests_waiting",
                                "vllm:e2e_request_latency_seconds_sum", "vllm:e2e_request_latency_seconds_count"),
                        List.of(vllm("vllm:num_requests_running", 12.0),
                                vllm("vllm:num_requests_waiting", 3.0),
                                vllm("vllm:e2e_request_latency_seconds_count", 812.0),
                                vllm("vllm:e2e_request_latency_seconds_sum", 5123.4))),
                Arguments.of("tgi.prom",
                        Set.of("tgi_queue_size", "tgi_batch_current_size", "tgi_request_duration_sum",
                                "tgi_request_duration_count", "tgi_batch_next_tokens"),
                        List.of(sample("tgi_queue_size", 4),
                                sample("tgi_batch_current_size", 16),
                                sample("tgi_request_duration_sum", 812.3),
                                sample("tgi_request_duration_count", 402),
                                sample("tgi_batch_next_tokens", 12, "quantile", "0"),
                                sample("tgi_batch_next_tokens", 287, "quantile", "0.5"),
                                sample("tgi_batch_next_tokens", 1021, "quantile", "0.9"),
                                sample("tgi_batch_next_tokens", 1530, "quantile", "0.95"),
                                sample("tgi_batch_next_tokens", 2044, "quantile", "0.99"),
                                sample("tgi_batch_next_tokens", 2301, "quantile", "0.999"),
                                sample("tgi_batch_next_tokens", 2318, "quantile", "1"))),
                Arguments.of("kserve-python.prom", kservePythonNames, kservePython),
                // The same page negotiated as OpenMetrics must give the same samples.
                Arguments.of("kserve-python.openmetrics", kservePythonNames, kservePython),
                Arguments.of("kubelet-resource.prom",
                        Set.of("container_cpu_usage_seconds_total", "container_start_time_seconds", "node_cpu_usage_seconds_total"),
                        List.of(at(1624396278302L, sample("container_cpu_usage_seconds_total", 10,
                                        "container", "container_a", "namespace", "namespace_a", "pod", "pod_a")),
                                sample("container_start_time_seconds", 1.6243962483020916e+09,
                                        "container", "container_a", "namespace", "namespace_a", "pod", "pod_a"),
                                at(1624396278302L, sample("node_cpu_usage_seconds_total", 10)))),
                Arguments.of("knative-legacy.prom",
                        Set.of("queue_average_concurrent_requests", "queue_requests_per_second"),
                        List.of(knative("queue_average_concurrent_requests", 3.5), knative("queue_requests_per_second", 12))),
                Arguments.of("otel-http.prom",
                        Set.of("http_server_active_requests"),
                        List.of(otelActiveRequests("GET", 0), otelActiveRequests("POST", 3))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenPages")
    void readsTheWantedSamplesOfRealPages(String file, Set<String> wanted, List<Sample> expected) throws Exception {
        byte[] page = resource("/pages/" + file);

        assertEquals(expected, new PrometheusTextParser(wanted).parse(page, page.length));
    }

    static Stream<Arguments> quirks() {
        return Stream.of(
                Arguments.of("TorchServe's trailing comma in a label set",
                        "foo{a=\"1\",b=\"2\",} 1\n", sample("foo", 1, "a", "1", "b", "2")),
                Arguments.of("blanks and tabs around every token",
                        "  foo \t{ a = \"1\" ,\tb=\"2\" , } \t 3 \t 1000 \t\n", at(1000, sample("foo", 3, "a", "1", "b", "2"))),
                Arguments.of("escapes \\\\ \\\" \\n in label values",
                        "foo{path=\"C:\\\\dir\",say=\"\\\"hi\\\"\",text=\"a\\nb\"} 1\n",
                        sample("foo", 1, "path", "C:\\dir", "say", "\"hi\"", "text", "a\nb")),
                Arguments.of("other bytes in label values are literal UTF-8",
                        "foo{a=\"grüße {x}, #1 = 'y'\"} 1\n", sample("foo", 1, "a", "grüße {x}, #1 = 'y'")),
                Arguments.of("colons in names", "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 2\n",
                        sample("vllm:num_requests_running", 2)),
                Arguments.of("an empty label set", "foo{} 1\n", sample("foo", 1)),
                Arguments.of("special values", "foo NaN\nfoo +Inf\nfoo -Inf\nfoo Inf\nfoo nan\nfoo -inf\n",
                        List.of(sample("foo", Double.NaN), sample("foo", Double.POSITIVE_INFINITY),
                                sample("foo", Double.NEGATIVE_INFINITY), sample("foo", Double.POSITIVE_INFINITY),
                                sample("foo", Double.NaN), sample("foo", Double.NEGATIVE_INFINITY))),
                Arguments.of("Go float syntax", "foo 1.6243962483020916e+09\nfoo 1e3\nfoo .5\nfoo 5.\nfoo -0.25E-2\nfoo +7\n",
                        List.of(sample("foo", 1.6243962483020916e+09), sample("foo", 1000), sample("foo", 0.5),
                                sample("foo", 5), sample("foo", -0.0025), sample("foo", 7))),
                Arguments.of("text 0.0.4 timestamps are integer milliseconds, maybe negative",
                        "foo 1 1624396278302\nfoo 2 -5\n", List.of(at(1624396278302L, sample("foo", 1)), at(-5, sample("foo", 2)))),
                Arguments.of("OpenMetrics timestamps are seconds",
                        "# TYPE foo counter\nfoo_total 1 1520879607.789\nfoo_total 2 1520879607\n# EOF\n",
                        List.of(at(1520879607789L, sample("foo_total", 1)), at(1520879607000L, sample("foo_total", 2)))),
                Arguments.of("OpenMetrics exemplars are ignored", """
                        # TYPE foo histogram
                        foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67 1520879607.789
                        foo_bucket{le="+Inf"} 17 1520879608.5 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
                        # EOF
                        """, List.of(sample("foo_bucket", 11, "le", "1"), at(1520879608500L, sample("foo_bucket", 17, "le", "+Inf")))),
                Arguments.of("OpenMetrics UNIT and _created", """
                        # TYPE foo_seconds counter
                        # UNIT foo_seconds seconds
                        # HELP foo_seconds Time spent.
                        foo_seconds_total 17.0
                        foo_seconds_created 1.520430e+09
                        # EOF
                        """, sample("foo_seconds_total", 17)),
                Arguments.of("comments, odd HELP text, TYPE lines and empty lines", """
                        # HELP foo a "quoted" \\ text with {braces}, = and \\n and é
                        # TYPE foo gauge
                        #no space
                        # just a comment

                        \t
                        foo 1
                        """, sample("foo", 1)),
                Arguments.of("CRLF line ends", "# TYPE foo gauge\r\nfoo{a=\"1\"} 1\r\nfoo 2 1000\r\n",
                        List.of(sample("foo", 1, "a", "1"), at(1000, sample("foo", 2)))),
                Arguments.of("last line without a newline", "foo 1\nfoo 2", List.of(sample("foo", 1), sample("foo", 2))),
                Arguments.of("quoted UTF-8 names inside the braces",
                        "{\"my.metric\",a=\"b\"} 1\n{\"my.metric\"} 2\n{ \"my.metric\" , \"error.message\"=\"Not Found\", } 3\n",
                        List.of(sample("my.metric", 1, "a", "b"), sample("my.metric", 2),
                                sample("my.metric", 3, "error.message", "Not Found"))),
                Arguments.of("a quoted name with escapes", "{\"say \\\"hi\\\"\"} 1\n", sample("say \"hi\"", 1)),
                Arguments.of("names match exactly, never by prefix", "foo_sum 1\nfoo 2\nfoo_count{le=\"1\"} 3\nfo 4\nfoo:x 5\n",
                        sample("foo", 2)),
                Arguments.of("duplicates are all returned", "foo{a=\"1\"} 1\nfoo{a=\"1\"} 2\n",
                        List.of(sample("foo", 1, "a", "1"), sample("foo", 2, "a", "1"))),
                Arguments.of("malformed lines of unwanted samples are skipped",
                        "bar{a=\"unterminated 1\nbar abc\nbar 1 2 3 4\nbar\u0000{}\nbar{a=\"\\q\"} 1\nfoo 5\n", sample("foo", 5)),
                Arguments.of("an empty page", "", List.of()),
                Arguments.of("a page of comments only", "# HELP foo x\n# TYPE foo gauge\n", List.of()),
                Arguments.of("a page with nothing wanted on it", "bar 1\nbaz{a=\"1\"} 2\n", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quirks")
    void toleratesWhatRealServersWrite(String quirk, String page, Object expected) throws Exception {
        Set<String> wanted = Set.of("foo", "foo_total", "foo_bucket", "foo_seconds_total", "vllm:num_requests_running",
                "my.metric", "say \"hi\"");

        assertEquals(expected instanceof Sample one ? List.of(one) : expected, parse(wanted, page));
    }

    static Stream<Arguments> malformedWantedLines() {
        String longValue = "x".repeat(200);
        return Stream.of(
                Arguments.of("missing value", "# TYPE ts_inflight gauge\nts_inflight{model=\"a\"}\n",
                        "line 2: expected a value after ts_inflight{model=\"a\"}, got end of line"),
                Arguments.of("bad value", "# TYPE ts_inflight gauge\n\nts_inflight{model=\"a\"} abc\n",
                        "line 3: expected a value after ts_inflight{model=\"a\"}, got \"abc\""),
                Arguments.of("value with trailing junk", "ts_inflight{model=\"a\"} 1.5x\n",
                        "line 1: expected a value after ts_inflight{model=\"a\"}, got \"1.5x\""),
                Arguments.of("Java-only float syntax", "ts_inflight 1d\n",
                        "line 1: expected a value after ts_inflight, got \"1d\""),
                Arguments.of("junk after the timestamp", "ts_inflight 1 2 3\n",
                        "line 1: expected end of line after ts_inflight 1 2, got \"3\""),
                Arguments.of("a fractional timestamp in text 0.0.4", "ts_inflight 1 1.5\n",
                        "line 1: expected a timestamp in integer milliseconds after ts_inflight 1, got \"1.5\""),
                Arguments.of("a timestamp beyond int64", "ts_inflight 1 9223372036854775808\n",
                        "line 1: expected a timestamp in integer milliseconds after ts_inflight 1, got \"9223372036854775808\""),
                Arguments.of("a bad OpenMetrics timestamp", "ts_inflight 1 soon\n# EOF\n",
                        "line 1: expected a timestamp in seconds after ts_inflight 1, got \"soon\""),
                Arguments.of("unterminated label value", "ts_inflight{model=\"a} 1\n",
                        "line 1: expected a closing '\"' after ts_inflight{model=\"a} 1, got end of line"),
                Arguments.of("missing }", "ts_inflight{model=\"a\" 1\n",
                        "line 1: expected ',' or '}' after ts_inflight{model=\"a\", got \"1\""),
                Arguments.of("bad escape", "ts_inflight{model=\"a\\tb\"} 1\n",
                        "line 1: expected an escape \\\\, \\\" or \\n after ts_inflight{model=\"a\\, got \"tb\"}\""),
                Arguments.of("missing label name", "ts_inflight{=\"a\"} 1\n",
                        "line 1: expected a label name after ts_inflight{, got \"=\"a\"}\""),
                Arguments.of("missing =", "ts_inflight{model \"a\"} 1\n",
                        "line 1: expected '=' after ts_inflight{model, got \"\"a\"}\""),
                Arguments.of("unquoted label value", "ts_inflight{model=a} 1\n",
                        "line 1: expected '\"' to open the value of label model after ts_inflight{model=, got \"a}\""),
                Arguments.of("a label twice", "ts_inflight{a=\"1\",a=\"2\"} 1\n",
                        "line 1: label a appears twice in ts_inflight{a=\"1\",a=\"2\"} 1"),
                Arguments.of("garbage bytes where a name should be", "ts_inflight 1\n\u0000\u0001garbage\n",
                        "line 2: expected a metric name, got \"\\x00\\x01garbage\""),
                Arguments.of("garbage bytes after a wanted name", "ts_inflight\u0007{model=\"a\"} 1\n",
                        "line 1: expected '{' or a blank after ts_inflight, got \"\\x07{model=\"a\"}\""),
                Arguments.of("braces without a quoted name", "{model=\"a\"} 1\n",
                        "line 1: expected a quoted metric name after {, got \"model=\"a\"}\""),
                Arguments.of("line numbers count comments, empty lines and CRLF", "# HELP x\r\n\r\n# TYPE x gauge\r\nts_inflight abc\r\n",
                        "line 4: expected a value after ts_inflight, got \"abc\""),
                Arguments.of("long excerpts are cut", "ts_inflight{model=\"" + longValue + "\"} abc\n",
                        "line 1: expected a value after ts_inflight{model=\"" + "x".repeat(58) + "..., got \"abc\""),
                Arguments.of("a wanted family declared twice with different types",
                        "# TYPE ts_inflight gauge\nts_inflight 1\n# HELP ts_inflight x\n# TYPE ts_inflight counter\n",
                        "line 4: TYPE ts_inflight counter contradicts line 1, which said gauge"));
    }

    @Test
    void aFamilyIsTheSampleNameWithoutItsSuffix() {
        MetricsFormatException e = assertThrows(MetricsFormatException.class, () -> parse(Set.of("foo_seconds_sum"),
                "# TYPE foo_seconds histogram\nfoo_seconds_sum 1\n# TYPE foo_seconds summary\n"));
        assertEquals("line 3: TYPE foo_seconds summary contradicts line 1, which said histogram", e.getMessage());
    }

    @Test
    void typeLinesOnlyMatterWhenAWantedFamilyContradictsItself() throws Exception {
        String page = """
                # TYPE ts_inflight gauge
                # TYPE ts_inflight gauge
                # TYPE other gauge
                # TYPE other counter
                #TYPE ts_inflight counter
                # TYPED ts_inflight counter
                ts_inflight 2
                """;
        assertEquals(List.of(sample("ts_inflight", 2)), parse(Set.of("ts_inflight"), page));
    }

    @Test
    void aOneMebibyteLineIsReadInOnePass() throws Exception {
        String huge = "x".repeat(1 << 20);
        String page = "# HELP ts_inflight " + huge + "\nts_inflight{model=\"" + huge + "\"} 3\n" + huge + "_other 1\n";
        List<Sample> samples = parse(Set.of("ts_inflight"), page);
        assertEquals(1, samples.size());
        assertEquals(3, samples.get(0).value());
        assertEquals(1 << 20, samples.get(0).labels().get("model").length());
        MetricsFormatException e = assertThrows(MetricsFormatException.class,
                () -> parse(Set.of("ts_inflight"), "ts_inflight{model=\"" + huge + "\"} abc\n"));
        assertTrue(e.getMessage().length() < 300, "the message quotes an excerpt, not the line");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedWantedLines")
    void namesTheLineAndWhatWasExpected(String problem, String page, String message) {
        MetricsFormatException e = assertThrows(MetricsFormatException.class, () -> parse(Set.of("ts_inflight"), page));

        assertEquals(message, e.getMessage());
    }

    @Test
    void readsOnlyTheGivenLength() throws Exception {
        byte[] buffer = "foo 1\nfoo 2\n".getBytes(UTF_8); // a reused buffer: what follows length is stale

        assertEquals(List.of(sample("foo", 1)), new PrometheusTextParser(Set.of("foo")).parse(buffer, 6));
    }

    @Test
    void keepsLabelsInPageOrder() throws Exception {
        List<Sample> samples = parse(Set.of("foo"), "foo{z=\"1\",a=\"2\",m=\"3\"} 1\n");

        assertEquals(List.of("z", "a", "m"), List.copyOf(samples.get(0).labels().keySet()));
    }

    private static List<Sample> parse(Set<String> wanted, String page) throws MetricsFormatException {
        byte[] bytes = page.getBytes(UTF_8);
        return new PrometheusTextParser(wanted).parse(bytes, bytes.length);
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = PrometheusTextParserTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no test resource " + path);
            }
            return in.readAllBytes();
        }
    }

    private static Sample sample(String name, double value, String... labelPairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            labels.put(labelPairs[i], labelPairs[i + 1]);
        }
        return new Sample(name, labels, value, Sample.NO_TIMESTAMP);
    }

    private static Sample at(long timestampMillis, Sample sample) {
        return new Sample(sample.name(), sample.labels(), sample.value(), timestampMillis);
    }

    private static Sample torchserve(String name, double value) {
        return sample(name, value, "model_name", "resnet18", "model_version", "default", "hostname", TORCHSERVE_HOST);
    }

    private static Sample vllm(String name, double value) {
        return sample(name, value, "model_name", LLAMA, "engine", "0");
    }

    private static Sample knative(String name, double value) {
        return sample(name, value, "destination_configuration", "torchserve-predictor", "destination_namespace", "default",
                "destination_pod", KNATIVE_POD, "destination_revision", "torchserve-predictor-00001");
    }

    private static Sample otelActiveRequests(String method, double value) {
        return sample("http_server_active_requests", value, "http_request_method", method, "otel_scope_name", OTEL_SCOPE,
                "otel_scope_version", "2.10.0-alpha", "server_address", "sklearn-iris-transformer.default.svc",
                "server_port", "8080", "url_scheme", "http");
    }
}
