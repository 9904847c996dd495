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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The query client against a real Prometheus behind the mTLS + token front: GET and POST give the same answer, and
 * each broken answer is a failure with its outcome and a message that says what came.
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
}
