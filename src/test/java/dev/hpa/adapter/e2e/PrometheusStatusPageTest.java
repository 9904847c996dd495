package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The status page with {@code adapter.source=prometheus}: the pods' charts drawn from range queries to a real
 * Prometheus scraping stand-in pods held at known concurrency (read from the page's SVG data attributes, as
 * {@link StatusPageTest} reads them in a browser), and with a failing engine the page still served, each chart
 * cell and the left-out table saying why.
 */
@QuarkusTest
@TestProfile(PrometheusMode.class)
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class PrometheusStatusPageTest {

    static final String ISVC = "mnist";
    /**
     * Requests of 0.7 s: long enough for a steady running gauge, and not a multiple of the engine's 1 s scrape
     * interval, whose reads would otherwise fall on the same moment of each loop's cycle, between two requests.
     */
    static final Duration SERVICE_TIME = Duration.ofMillis(700);
    /** What a chart spans: adapter.window.stable in tests, and the 4 s burst range before its first point. */
    static final Duration CHARTED = Duration.ofSeconds(10 + 4);

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

    FakeModelServer pod(String ns, String name, int inFlight) {
        FakeModelServer server = pods.loaded(Format.VLLM, inFlight, SERVICE_TIME);
        PrometheusResource.prometheus().scrape(ns, name, server.port());
        pods.ready(ns, name, ISVC, server);
        return server;
    }

    static String path(String ns) {
        return "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/inferenceservices.serving.kserve.io/"
                + ISVC + "/status-page";
    }

    @Test
    void chartsShowWhatThePodsHeldAsTheEngineSawIt() {
        String ns = "prom-status";
        FakeModelServer a = pod(ns, "mnist-a", 8);
        FakeModelServer b = pod(ns, "mnist-b", 3);
        // Every point of the chart averages a burst range after the loads run in step, and the engine has
        // scraped the last second of it.
        pods.awaitLoadsInStepFor(CHARTED.plusSeconds(1));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String html = Api.https().get(path(ns)).then().statusCode(200).extract().asString();
            long now = System.nanoTime();
            for (FakeModelServer server : List.of(a, b)) {
                String name = server == a ? "mnist-a" : "mnist-b";
                List<String> cells = cells(html, name);
                assertTrue(cells.get(0).contains("<small>vllm</small>"), "the recipe under the name: " + cells.get(0));
                Line concurrency = line(cells.get(2), "concurrency", name);
                // a point per step of the 30, give or take the first one or two while the engine's newest
                // scrape is still to come
                assertTrue(concurrency.points() >= 28, name + " has " + concurrency.points() + " points: " + html);
                // each point averages reads of the gauge, so it lies between the least and the most the server
                // held; and the reads of the whole chart average what it held over the span
                int[] range = server.inFlightRange(now - CHARTED.toNanos(), now);
                for (double point : new double[] {concurrency.last(), concurrency.mean()}) {
                    assertTrue(point >= range[0] && point <= range[1], name + " concurrency " + point
                            + " outside what the server held, " + range[0] + ".." + range[1]);
                }
                double held = server.averageInFlight(now - CHARTED.toNanos(), now);
                assertEquals(held, concurrency.mean(), held * 0.15, name + " concurrency, mean of the chart");
                double rps = server.arrivals(now - CHARTED.toNanos(), now) / (CHARTED.toNanos() / 1e9);
                Line requests = line(cells.get(3), "rps", name);
                assertEquals(rps, requests.mean(), Math.max(rps * 0.25, 1), name + " rps, mean of the chart");
                // this Prometheus scrapes no kubelet: the CPU query answers, with no series for these pods
                assertEquals("no samples", text(cells.get(4)), name);
            }
        });

        // What a view costs the engine: one range query per chart, besides the left-out table's instant queries.
        PrometheusResource.front().clearSeen();
        String page = Api.https().get(path(ns)).then().statusCode(200).extract().asString();
        List<PrometheusFront.Seen> seen = PrometheusResource.front().seen();
        assertEquals(3, seen.stream().filter(s -> s.path().equals("/api/v1/query_range")).count(), seen.toString());
        // The adapter's health in this mode: its queries, not scrapes it does not make.
        assertTrue(page.contains("<b>PromQL queries</b>: "), page);
        assertTrue(!page.contains("Pod scrapes"), page);
    }

    enum Fault {
        UNAVAILABLE("Prometheus: HTTP 503: unavailable: store gateway not ready"),
        DOWN("Prometheus: cannot connect: ");

        final String says;

        Fault(String says) {
            this.says = says;
        }

        void apply(PrometheusFront front) throws Exception {
            switch (this) {
                case UNAVAILABLE -> front.answer(503, "{\"status\":\"error\",\"errorType\":\"unavailable\","
                        + "\"error\":\"store gateway not ready\"}");
                case DOWN -> front.goDown();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailingEngineLeavesThePageStandingAndEachChartSaysWhy(Fault fault) throws Exception {
        String ns = "prom-status-" + fault.name().toLowerCase(Locale.ROOT);
        pod(ns, "mnist-a", 2);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                line(cells(Api.https().get(path(ns)).then().statusCode(200).extract().asString(), "mnist-a").get(2),
                        "concurrency", "mnist-a"));

        fault.apply(PrometheusResource.front());
        // A new second: the instant answers cached for the last one are not reused.
        Thread.sleep(1100);
        String html = Api.https().get(path(ns)).then().statusCode(200).extract().asString();
        List<String> cells = cells(html, "mnist-a");
        for (int chart = 2; chart <= 4; chart++) {
            assertTrue(cells.get(chart).startsWith("<span class=\"bad\">"), cells.get(chart));
            assertTrue(text(cells.get(chart)).startsWith(fault.says), text(cells.get(chart)));
            assertFalse(cells.get(chart).contains("<svg"), cells.get(chart));
        }
        assertTrue(html.contains("<h2>Left out of the answers</h2><p class=\"bad\">the metric concurrency cannot be "
                + "read from https://localhost:" + PrometheusResource.front().port() + "/api/v1/query: "), html);

        PrometheusResource.front().behaveNormally();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                line(cells(Api.https().get(path(ns)).then().statusCode(200).extract().asString(), "mnist-a").get(2),
                        "concurrency", "mnist-a"));
    }

    /** What a chart's line says of itself, and how many points it draws. */
    record Line(double last, double mean, int points) {}

    /** The cells of a pod's row, as markup: name, state, concurrency, rps, CPU. */
    static List<String> cells(String html, String pod) {
        Matcher row = Pattern.compile("<tr class=\"pod\" data-pod=\"" + Pattern.quote(pod) + "\">(.*?)</tr>",
                Pattern.DOTALL).matcher(html);
        assertTrue(row.find(), "no row for " + pod + " in " + html);
        List<String> cells = new ArrayList<>();
        Matcher cell = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(row.group(1));
        while (cell.find()) {
            cells.add(cell.group(1));
        }
        assertEquals(5, cells.size(), row.group(1));
        return cells;
    }

    /** The one series of a chart cell: named as the pod, with its points summed over its segments. */
    static Line line(String cell, String metric, String pod) {
        assertTrue(cell.startsWith("<svg class=\"chart\"") && cell.contains(" data-metric=\"" + metric + "\""),
                "not a " + metric + " chart: " + cell);
        Matcher polyline = Pattern.compile("<polyline [^>]*data-series=\"([^\"]*)\" data-last=\"([^\"]*)\" "
                + "data-mean=\"([^\"]*)\" points=\"([^\"]*)\"").matcher(cell);
        double last = Double.NaN;
        double mean = Double.NaN;
        int points = 0;
        while (polyline.find()) {
            assertEquals(pod, polyline.group(1), cell);
            last = Double.parseDouble(polyline.group(2));
            mean = Double.parseDouble(polyline.group(3));
            points += polyline.group(4).split(" ").length;
        }
        assertTrue(points > 0, "no line in " + cell);
        return new Line(last, mean, points);
    }

    /** A cell's text as a browser shows it. */
    static String text(String markup) {
        return markup.replaceAll("<[^>]*>", "").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&");
    }
}
