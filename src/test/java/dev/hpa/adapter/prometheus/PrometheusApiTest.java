package dev.hpa.adapter.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.prometheus.QueryFailure.Outcome;
import dev.hpa.adapter.testing.PrometheusResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The query client against a real Prometheus behind the mTLS + token front: GET and POST give the same answer, a
 * range query a point per step, and each broken answer is a failure with its outcome and a message that says what
 * came.
 */
class PrometheusApiTest {

    static final PrometheusResource RESOURCE = new PrometheusResource();
    static Map<String, String> config;
    static Vertx vertx;

    @BeforeAll
    static void start() {
        config = new HashMap<>(RESOURCE.start());
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        RESOURCE.stop();
    }

    static PrometheusApi api(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(config);
        // A cold client's first TLS handshake on a loaded 2-core machine can take seconds.
        all.put("adapter.prometheus.timeout", "10s");
        all.putAll(overrides);
        return new PrometheusApi(vertx, ConfigCheckTest.config(all).prometheus(), new SimpleMeterRegistry());
    }

    static List<PrometheusApi.Sample> ask(PrometheusApi api, String query) {
        return api.query(query, System.currentTimeMillis() / 1000).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void getAndPostGiveTheSameAnswer() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        String query = "label_replace(vector(42), \"pod\", \"p\", \"\", \"\")";
        List<PrometheusApi.Sample> byGet = ask(api(Map.of()), query);
        List<PrometheusApi.Sample> byPost = ask(api(Map.of("adapter.prometheus.post-above-bytes", "0")), query);
        assertEquals(1, byGet.size());
        assertEquals(42, byGet.get(0).value());
        assertEquals("p", byGet.get(0).labels().get("pod"));
        assertEquals(byGet.get(0).value(), byPost.get(0).value());
        List<String> methods = PrometheusResource.front().seen().stream().map(s -> s.method()).toList();
        assertTrue(methods.contains("GET") && methods.contains("POST"), methods.toString());
    }

    /** Every query the recipes make, for every metric, is PromQL the engine evaluates. */
    @Test
    void everyRecipeQueryIsValidPromql() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        PromqlRecipes recipes = new PromqlRecipes(ConfigCheckTest.config(Map.of(
                "adapter.recipes.mine.in-flight-gauges", "my_a,my_b", "adapter.recipes.mine.request-counters", "my_c",
                "adapter.prometheus.recipes.custom.concurrency", PrometheusResource.CUSTOM_RECIPE)));
        PrometheusApi api = api(Map.of());
        for (ServedMetric metric : ServedMetric.ALL) {
            String query = recipes.query(metric, "ns-\"quoted\"");
            assertEquals(List.of(), ask(api, query), metric + ": " + query);
        }
    }

    @Test
    void aBadQueryIsPrometheusOwnError() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        QueryFailure e = assertThrows(QueryFailure.class, () -> ask(api(Map.of()), "sum by ("));
        QueryFailure failure = e;
        assertEquals(Outcome.HTTP_ERROR, failure.outcome());
        assertTrue(failure.getMessage().startsWith("HTTP 400: bad_data: "), failure.getMessage());
    }

    @Test
    void aSlowEngineFailsWithinTheTimeout() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        PrometheusResource.front().hang();
        try {
            long started = System.nanoTime();
            QueryFailure e = assertThrows(QueryFailure.class,
                    () -> ask(api(Map.of("adapter.prometheus.timeout", "2s")), "vector(1)"));
            assertEquals(Outcome.TIMEOUT, e.outcome());
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(6).toNanos());
        } finally {
            PrometheusResource.front().behaveNormally();
        }
    }

    @Test
    void parsesGoFloats() {
        byte[] body = """
                {"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"pod":"a"},"value":[1700000000.5,"+Inf"]},{"metric":{"pod":"b"},"value":[1700000000.5,"NaN"]}]}}
                """.getBytes();
        List<PrometheusApi.Sample> samples = PrometheusApi.parse(200, body);
        assertEquals(Double.POSITIVE_INFINITY, samples.get(0).value());
        assertTrue(Double.isNaN(samples.get(1).value()));
        assertEquals(1_700_000_000_500L, samples.get(0).atMillis());
        QueryFailure matrix = assertThrows(QueryFailure.class, () -> PrometheusApi.parse(200,
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}".getBytes()));
        assertEquals("the answer is a matrix result, not an instant vector", matrix.getMessage());
    }

    /** The status page asks for 30 steps of 333 ms: the engine must take the decimal seconds as meant. */
    @Test
    void aRangeQueryGivesAPointAtEveryStep() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        long end = System.currentTimeMillis() / 1000 * 1000 + 333;
        long start = end - 29 * 333;
        List<PrometheusApi.Series> series = api(Map.of()).queryRange("label_replace(vector(42), \"pod\", \"p\", "
                + "\"\", \"\")", start, end, 333).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, series.size());
        assertEquals("p", series.get(0).labels().get("pod"));
        assertEquals(30, series.get(0).atMillis().length);
        for (int i = 0; i < 30; i++) {
            assertEquals(start + i * 333L, series.get(0).atMillis()[i], "point " + i);
            assertEquals(42, series.get(0).values()[i]);
        }
        assertTrue(PrometheusResource.front().seen().stream().anyMatch(s -> s.path().equals("/api/v1/query_range")));
    }

    @Test
    void parsesAMatrix() {
        byte[] body = """
                {"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"namespace":"ml","pod":"a","source":"vllm"},"values":[[1700000000.333,"8"],[1700000000.666,"7.5"]]},
                {"metric":{"namespace":"ml","pod":"b"},"values":[[1700000000.666,"NaN"]]},
                {"metric":{"pod":"c"},"values":[]}]}}
                """.getBytes();
        List<PrometheusApi.Series> series = PrometheusApi.parseRange(200, body);
        assertEquals(3, series.size());
        assertEquals(Map.of("namespace", "ml", "pod", "a", "source", "vllm"), series.get(0).labels());
        assertEquals(List.of(1_700_000_000_333L, 1_700_000_000_666L),
                java.util.Arrays.stream(series.get(0).atMillis()).boxed().toList());
        assertEquals(List.of(8.0, 7.5), java.util.Arrays.stream(series.get(0).values()).boxed().toList());
        assertTrue(Double.isNaN(series.get(1).values()[0]));
        assertEquals(0, series.get(2).atMillis().length);
        assertEquals(List.of(), PrometheusApi.parseRange(200,
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}".getBytes()));
    }

    static Stream<Arguments> badRangeAnswers() {
        return Stream.of(
                Arguments.of("an instant vector where a range was asked for", 200,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
                        Outcome.BAD_ANSWER, "the answer is a vector result, not a matrix (series over time)"),
                Arguments.of("no result type", 200, "{\"status\":\"success\",\"data\":{}}",
                        Outcome.BAD_ANSWER, "the answer is a missing result, not a matrix (series over time)"),
                Arguments.of("a series with an instant value instead of values", 200,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                                + "{\"metric\":{\"pod\":\"a\"},\"value\":[1,\"1\"]}]}}",
                        Outcome.BAD_ANSWER, "a series without its values: \"{\"metric\":{\"pod\":\"a\"},"
                                + "\"value\":[1,\"1\"]}\""),
                Arguments.of("a point whose value is a number, not Go's string", 200,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                                + "{\"metric\":{},\"values\":[[1,\"1\"],[2,3]]}]}}",
                        Outcome.BAD_ANSWER, "a point that is not a [time, \"value\"] pair: \"[2,3]\""),
                Arguments.of("a value that is not a number", 200,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                                + "{\"metric\":{},\"values\":[[1,\"many\"]]}]}}",
                        Outcome.BAD_ANSWER, "a value that is not a number: many"),
                Arguments.of("too many points: the engine's own error", 400,
                        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum "
                                + "resolution of 11,000 points per timeseries. Try decreasing the query resolution "
                                + "(?step=XX)\"}",
                        Outcome.HTTP_ERROR, "HTTP 400: bad_data: exceeded maximum resolution of 11,000 points per "
                                + "timeseries. Try decreasing the query resolution (?step=XX)"),
                Arguments.of("a gateway's page", 200, "<html><body>Bad Gateway</body></html>",
                        Outcome.BAD_ANSWER, "HTTP 200: not the Prometheus API's JSON: \"<html><body>Bad Gateway"
                                + "</body></html>\""),
                Arguments.of("an auth proxy's refusal", 403, "Forbidden\n",
                        Outcome.CREDENTIALS, "HTTP 403 (refused the adapter's credentials: check "
                                + "adapter.prometheus.bearer-token-file, client-cert-file and headers): \"Forbidden\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRangeAnswers")
    void aBadRangeAnswerSaysWhatCame(String what, int status, String body, Outcome outcome, String message) {
        QueryFailure e = assertThrows(QueryFailure.class, () -> PrometheusApi.parseRange(status, body.getBytes()));
        assertEquals(outcome, e.outcome(), what);
        assertEquals(message, e.getMessage(), what);
    }
}
