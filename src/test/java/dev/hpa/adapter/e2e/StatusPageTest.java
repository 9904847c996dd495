package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.AuthenticatingProxy;
import dev.hpa.adapter.testing.Chromium;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The status page of an InferenceService with pods under load (real HTTP servers), an HPA on them, a pod whose
 * name is markup and a pod whose page is markup: who may see it, what it sends, that nothing from outside reaches
 * the browser as markup; then the page in headless Chromium through an authenticating proxy (as kubectl proxy and
 * the aggregator), its charts, series and values read from the DOM, no console error and no policy violation.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class StatusPageTest {

    static final String NS = "status-page";
    static final String ISVC = "mnist";
    /** A pod name no API server would take, and the mock server does: markup, to prove it is shown as text. */
    static final String HOSTILE_POD = "mnist-\"><img src=x onerror=alert(1)><script>alert(2)</script>";
    /** What the broken pod's page says; the scrape error quotes it, and the page shows the error. */
    static final String HOSTILE_PAGE = "<script>alert(document.domain)</script> 1\n";
    static final Duration SERVICE_TIME = Duration.ofSeconds(3);
    static final String PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS
            + "/inferenceservices.serving.kserve.io/" + ISVC + "/status-page";

    @KubernetesTestServer
    KubernetesServer k8s;

    TestPods pods;

    @BeforeEach
    void start() {
        pods = new TestPods(k8s.getClient());
        ClusterReviews.install(k8s);
        k8s.getClient().autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).resource(
                new HorizontalPodAutoscalerBuilder().withNewMetadata().withNamespace(NS).withName(ISVC + "-concurrency")
                        .endMetadata().withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1")
                        .withKind("Deployment").withName(ISVC + "-predictor").endScaleTargetRef()
                        .withMinReplicas(1).withMaxReplicas(10)
                        .withMetrics(new MetricSpecBuilder().withType("Pods").withNewPods().withNewMetric()
                                .withName("concurrency").endMetric().withNewTarget().withType("AverageValue")
                                .withAverageValue(new Quantity("10")).endTarget().endPods().build())
                        .endSpec().build()).createOr(existing -> existing.update());
        k8s.expect().get().withPath("/apis/apps/v1/namespaces/" + NS + "/deployments/" + ISVC + "-predictor/scale")
                .andReturn(200, new ScaleBuilder().withNewMetadata().withNamespace(NS).withName(ISVC + "-predictor")
                        .endMetadata().withNewSpec().withReplicas(3).endSpec().withNewStatus().withReplicas(3)
                        .withSelector("app=isvc." + ISVC + "-predictor").endStatus().build())
                .always();
        // vLLM's running-requests gauge; requests of 3 s keep it steady
        pods.ready(NS, ISVC + "-a", ISVC, pods.loaded(Format.VLLM, 8, SERVICE_TIME));
        pods.ready(NS, ISVC + "-b", ISVC, pods.loaded(Format.VLLM, 4, SERVICE_TIME));
        FakeModelServer broken = pods.idle(Format.VLLM, Duration.ofMillis(100)).metricsResponder((request, vertx) ->
                request.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(HOSTILE_PAGE));
        pods.ready(NS, HOSTILE_POD, ISVC, broken);
    }

    @AfterEach
    void stop() throws Exception {
        pods.close();
    }

    /**
     * Once both loaded pods have values over the full burst window (2 s in tests), the broken one a reason, and
     * the loads hold their full concurrency. A held load's loops all send at once, and after the first answers
     * (one service time) loop k pauses k/n of a service time to spread them out: for that second service time
     * the pods hold fewer requests (1 of 8 at first), which a page read then would rightly show. So the page is
     * read only once the loads run in step and a window (2 s) and a scrape (0.25 s) later.
     */
    String settledPage() {
        String[] page = new String[1];
        pods.awaitLoadsInStepFor(TestPods.A_WINDOW_AND_A_SCRAPE);
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            String html = Api.https().get(PATH).then().statusCode(200).extract().asString();
            // the error that quotes the page (a scrape timing out on a busy machine says something else for a while)
            assertTrue(html.contains("got &quot;&lt;script&gt;alert(document.domain)&lt;/script&gt;&quot;"), html);
            JsonNode explained = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Api.https()
                    .get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NS
                            + "/horizontalpodautoscalers.autoscaling/" + ISVC + "-concurrency/explain").asString());
            JsonNode ready = explained.path("metrics").path(0).path("pods").path("ready");
            assertEquals(2, ready.size(), explained.toPrettyString());
            ready.forEach(pod -> assertEquals(2, pod.path("windowSeconds").asInt(), explained.toPrettyString()));
            page[0] = html;
        });
        return page[0];
    }

    @Test
    void everyStringFromOutsideIsText() {
        String html = settledPage();
        Response response = Api.https().get(PATH);
        response.then().statusCode(200)
                .header("Content-Type", "text/html; charset=utf-8")
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store");
        // Not one tag of the hostile strings survives: neither the name nor the page quoted in the error.
        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<img"), html);
        assertFalse(html.contains("onerror=alert(1)>"), html);
        assertTrue(html.contains("mnist-&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"),
                html);
        assertTrue(html.contains("&lt;script&gt;alert(document.domain)&lt;/script&gt;"), html);
    }

    @Test
    void authorizedLikeTheMetrics() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                Api.proxied("carol", "viewers").get(PATH).then().statusCode(200)
                        .body(containsString("data-pod=\"mnist-a\"")));
        ResourceAttributes asked = ClusterReviews.lastReviewOf("carol").getResourceAttributes();
        assertEquals("custom.metrics.k8s.io", asked.getGroup());
        assertEquals("inferenceservices.serving.kserve.io", asked.getResource());
        assertEquals("status-page", asked.getSubresource());
        assertEquals(ISVC, asked.getName());
        assertEquals(NS, asked.getNamespace());
        assertEquals("get", asked.getVerb());

        String forbidden = "inferenceservices.serving.kserve.io.custom.metrics.k8s.io \"mnist\" is forbidden: User "
                + "\"%s\" cannot get resource \"inferenceservices.serving.kserve.io/status-page\" in API group "
                + "\"custom.metrics.k8s.io\" in the namespace \"status-page\"";
        // Refusals are Status JSON, and carry none of the page's data.
        Api.proxied("bob", "dev").get(PATH).then().statusCode(403).contentType(containsString("application/json"))
                .body("message", equalTo(String.format(forbidden, "bob")))
                .body(not(containsString("mnist-a")));
        Api.anonymous().get(PATH).then().statusCode(403)
                .body("message", equalTo(String.format(forbidden, "system:anonymous")));
        Api.anonymous().header("Authorization", "Bearer not-a-token").get(PATH).then().statusCode(401)
                .body("message", equalTo("Unauthorized"));
    }

    @Test
    void anInferenceServiceNobodyKnowsIsNotFound() {
        Api.https().get(PATH.replace("/" + ISVC + "/", "/ghost/")).then().statusCode(404)
                .body("kind", equalTo("Status"))
                .body("message", equalTo("no pod this adapter watches belongs to inferenceservice \"ghost\" in "
                        + "namespace status-page, and no HPA there reads it"));
    }

    @Test
    void inHeadlessChromium() throws Exception {
        Optional<Path> executable = Chromium.executable();
        Assumptions.assumeTrue(executable.isPresent(), "skipped: no Chromium here (apt-get install -y chromium, or "
                + "set CHROMIUM to its path); the status page was not tested in a browser");
        settledPage();
        try (AuthenticatingProxy proxy = new AuthenticatingProxy(Api.httpsPort(), "carol", "viewers");
                Chromium chromium = Chromium.start(executable.get(), 1200, 900)) {
            JsonNode response = chromium.navigate(proxy.url() + PATH);
            assertEquals(200, response.path("status").asInt(), response.toPrettyString());
            assertTrue(headers(response).getOrDefault("content-security-policy", "").startsWith("default-src 'none'"),
                    response.toPrettyString());

            JsonNode dom = chromium.evaluate("""
                    ({
                      title: document.title,
                      scripts: document.scripts.length,
                      images: document.images.length,
                      pods: [...document.querySelectorAll('tr.pod')].map(tr => ({
                        pod: tr.dataset.pod,
                        lines: [...tr.querySelectorAll('svg.chart polyline')].map(p => ({
                          metric: p.closest('svg').dataset.metric, series: p.dataset.series,
                          last: parseFloat(p.dataset.last), mean: parseFloat(p.dataset.mean)}))})),
                      hpas: [...document.querySelectorAll('div.hpa')].map(d => ({name: d.dataset.hpa,
                        conclusion: d.querySelector('.conclusion').textContent,
                        series: [...d.querySelectorAll('polyline')].map(p => p.dataset.series)})),
                      leftOut: [...document.querySelectorAll('tr.left-out')].map(tr => ({pod: tr.dataset.pod,
                        why: tr.cells[2].textContent}))
                    })""");
            assertEquals("status-page/mnist · hpa-metrics-adapter", dom.path("title").asText());
            assertEquals(0, dom.path("scripts").asInt(), dom.toPrettyString());
            assertEquals(0, dom.path("images").asInt(), dom.toPrettyString());

            Path shot = chromium.screenshot(Path.of("target", "status-page-test.png"));
            Map<String, Map<String, Double>> last = new HashMap<>(); // pod → metric → its line's last value
            Map<String, Map<String, Double>> mean = new HashMap<>();
            for (JsonNode pod : dom.path("pods")) {
                for (JsonNode line : pod.path("lines")) {
                    assertEquals(pod.path("pod").asText(), line.path("series").asText(), dom.toPrettyString());
                    last.computeIfAbsent(pod.path("pod").asText(), p -> new HashMap<>())
                            .put(line.path("metric").asText(), line.path("last").asDouble());
                    mean.computeIfAbsent(pod.path("pod").asText(), p -> new HashMap<>())
                            .put(line.path("metric").asText(), line.path("mean").asDouble());
                }
            }
            assertEquals(List.of("mnist-\"><img src=x onerror=alert(1)><script>alert(2)</script>", "mnist-a", "mnist-b"),
                    podsOf(dom), dom.toPrettyString());
            // 8 and 4 requests held in flight; requests of 3 s, so the pods complete 8/3 and 4/3 per second (a
            // rate over the short steps of a test's window is lumpy: its mean, not its last step)
            assertNear(8, last.get("mnist-a").get("concurrency"), 1.5, dom);
            assertNear(4, last.get("mnist-b").get("concurrency"), 1.0, dom);
            assertNear(8 / 3.0, mean.get("mnist-a").get("rps"), 1.5, dom);
            assertNear(4 / 3.0, mean.get("mnist-b").get("rps"), 1.0, dom);
            assertEquals(List.of("mnist-concurrency"), List.of(dom.path("hpas").path(0).path("name").asText()));
            assertTrue(dom.path("hpas").path(0).path("conclusion").asText().startsWith("the HPA will propose "),
                    dom.toPrettyString());
            assertTrue(dom.path("hpas").path(0).path("series").toString().contains("proposal"), dom.toPrettyString());
            JsonNode leftOut = dom.path("leftOut").path(0);
            assertEquals(HOSTILE_POD, leftOut.path("pod").asText(), dom.toPrettyString());
            // as text; which error it is depends on the latest scrape (HTML above checks the one quoting the page)
            assertTrue(leftOut.path("why").asText().startsWith("scrape failing: "), dom.toPrettyString());

            assertEquals(List.of(), chromium.consoleErrors());
            assertEquals(List.of(), chromium.policyViolations());
            assertTrue(Files.size(shot) > 10_000, "screenshot " + shot + " is " + Files.size(shot) + " bytes");

            // The detector works, and the policy holds: an image from elsewhere, added after load, is refused.
            chromium.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"http://127.0.0.1:9/x.png\">')");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertEquals(List.of("img-src http://127.0.0.1:9/x.png"), chromium.policyViolations()));
        }
    }

    private static List<String> podsOf(JsonNode dom) {
        List<String> names = new ArrayList<>();
        dom.path("pods").forEach(p -> names.add(p.path("pod").asText()));
        return names;
    }

    private static Map<String, String> headers(JsonNode response) {
        Map<String, String> headers = new HashMap<>();
        response.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey().toLowerCase(), e.getValue().asText()));
        return headers;
    }

    private static void assertNear(double expected, Double actual, double tolerance, JsonNode dom) {
        assertTrue(actual != null && Math.abs(actual - expected) <= tolerance,
                "expected " + expected + " ± " + tolerance + ", got " + actual + " in " + dom.toPrettyString());
    }
}
