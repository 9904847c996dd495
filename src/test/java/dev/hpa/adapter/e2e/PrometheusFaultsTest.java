package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.PrometheusFront;
import dev.hpa.adapter.testing.PrometheusMode;
import dev.hpa.adapter.testing.PrometheusResource;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way the engine can fail a query, each one a 503 Status that names the problem and the query, within
 * adapter.prometheus.timeout (3 s here) rather than a hang; and once the engine is back, answers again.
 */
@QuarkusTest
@TestProfile(PrometheusMode.class)
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class PrometheusFaultsTest {

    enum Fault {
        DOWN("timeout_or_connect", "cannot connect: "),
        SLOW("timeout", "no full answer within 3000ms (adapter.prometheus.timeout)"),
        BAD_DATA("http_error", "HTTP 422: bad_data: 1:1: parse error: unexpected end of input"),
        UNAVAILABLE("http_error", "HTTP 503: unavailable: store gateway not ready"),
        GARBAGE("bad_answer", "HTTP 200: not the Prometheus API's JSON: \"<html><body>Bad Gateway</body></html>\""),
        ENDLESS("too_large", "over adapter.prometheus.max-body-bytes=65536");

        final String outcome;
        final String says;

        Fault(String outcome, String says) {
            this.outcome = outcome;
            this.says = says;
        }

        void apply(PrometheusFront front) throws Exception {
            switch (this) {
                case DOWN -> front.goDown();
                case SLOW -> front.hang();
                case BAD_DATA -> front.answer(422, "{\"status\":\"error\",\"errorType\":\"bad_data\","
                        + "\"error\":\"1:1: parse error: unexpected end of input\"}");
                case UNAVAILABLE -> front.answer(503, "{\"status\":\"error\",\"errorType\":\"unavailable\","
                        + "\"error\":\"store gateway not ready\"}");
                case GARBAGE -> front.answer(200, "<html><body>Bad Gateway</body></html>");
                case ENDLESS -> front.endless();
            }
        }
    }

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        assumeTrue(PrometheusResource.unavailable() == null, PrometheusResource.unavailable());
        PrometheusResource.front().behaveNormally();
        pods = new TestPods(k8s.getClient());
    }

    @AfterEach
    void stop() throws Exception {
        if (pods != null) {
            PrometheusResource.front().behaveNormally();
            pods.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailingEngineIsAClearStatusAndTheAdapterRecovers(Fault fault) throws Exception {
        String ns = "prom-fault-" + fault.name().toLowerCase(Locale.ROOT).replace('_', '-');
        FakeModelServer server = pods.loaded(Format.VLLM, 5, Duration.ofMillis(200));
        PrometheusResource.prometheus().scrape(ns, "vllm", server.port());
        pods.ready(ns, "vllm", "model", server);
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/concurrency";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Api.https().get(path).statusCode() == 200);

        fault.apply(PrometheusResource.front());
        // A new second: the answer cached for the last one is not reused.
        Thread.sleep(1100);
        long started = System.nanoTime();
        Response failed = Api.https().get(path);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        failed.then().statusCode(503).contentType("application/json")
                .body("kind", equalTo("Status"))
                .body("reason", equalTo("ServiceUnavailable"))
                .body("message", startsWith("the metric concurrency cannot be read from https://localhost:"
                        + PrometheusResource.front().port() + "/api/v1/query: "))
                .body("message", containsString(fault.says))
                .body("message", containsString(" (query: label_replace("));
        assertTrue(tookMillis < 8000, fault + " took " + tookMillis + " ms to answer");

        MeterRegistry registry = Arc.container().instance(MeterRegistry.class).get();
        double failures = fault.outcome.equals("timeout_or_connect")
                ? count(registry, "connect_error") + count(registry, "timeout") : count(registry, fault.outcome);
        assertTrue(failures > 0, "adapter_prometheus_queries_total{outcome=" + fault.outcome + "}");

        PrometheusResource.front().behaveNormally();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> Api.https().get(path).statusCode() == 200);
    }

    /**
     * Values no load can have, as an engine may give them (a NaN average, a gauge of 1e308): the pod is left out
     * with the value, by the rule of scrape mode and of the charts, not served.
     */
    @ParameterizedTest
    @CsvSource({"NaN, NaN, nan", "+Inf, Infinity, inf", "-3, -3.0, negative", "1e308, 1.0E308, huge"})
    void aValueNoLoadCanHaveLeavesThePodOut(String given, String shown, String name) throws Exception {
        String ns = "prom-implausible-" + name;
        pods.ready(ns, "vllm", "model", pods.idle(Format.VLLM, Duration.ofMillis(200)));
        PrometheusResource.front().answer(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                + "\"result\":[{\"metric\":{\"namespace\":\"" + ns + "\",\"pod\":\"vllm\",\"source\":\"vllm\"},"
                + "\"value\":[" + System.currentTimeMillis() / 1000.0 + ",\"" + given + "\"]}]}}");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                Api.https().get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/vllm/concurrency")
                        .then().statusCode(404)
                        .body("kind", equalTo("Status"))
                        .body("message", containsString("Prometheus gives it " + shown + " concurrency; a value "
                                + "must be a finite number from 0 to 2^53")));
    }

    private static double count(MeterRegistry registry, String outcome) {
        var counter = registry.find("adapter.prometheus.queries").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
