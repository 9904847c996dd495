package dev.hpa.adapter.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.playground.CustomMetricsClient;
import dev.hpa.adapter.playground.HpaLoop;
import dev.hpa.adapter.playground.HpaLoop.Sync;
import dev.hpa.adapter.playground.PredictorPods;
import dev.hpa.adapter.playground.ServiceFront;
import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.HeldLoad;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KServe's TorchServe autoscaling example, end to end, with the playground's pieces: predictor pods that take a
 * moment to become ready, a Service spreading requests over the ready ones, the HPA controller's loop reading this
 * adapter over HTTPS, and 50 requests held in flight against a target of 10. The HPA must reach 5 pods within two
 * syncs of the load being measurable, never go above 6, and come back to 1 after the load stops. Only the clock is
 * faster than in a cluster: a 3 s sync period, the %test profile's 2 s burst window, a 6 s scale-down window.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class KServeAutoscalingScenarioTest {

    static final String NAMESPACE = "kserve-test-hpa";
    static final Duration BURST = Duration.ofSeconds(2); // %test.adapter.window.burst
    /**
     * Long next to the time a request spends outside the pod (load generator, Service, event loops), so that nearly
     * all 50 requests are in the pods even on a busy machine: with 200 ms, 40 ms of overhead already left only 42.
     */
    static final Duration SERVICE_TIME = Duration.ofSeconds(1);
    static final HpaLoop.Spec HPA = new HpaLoop.Spec("concurrency", 10_000, 1, 10, Duration.ofSeconds(3),
            Duration.ofSeconds(6));

    @KubernetesTestServer
    KubernetesServer k8s;

    Vertx vertx;
    PredictorPods predictor;
    ServiceFront front;
    HpaLoop hpa;
    HeldLoad load;
    /** Sync time → what the pods really held over the burst window before it, for failure messages. */
    final Map<Long, Double> truth = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        predictor = new PredictorPods(k8s.getClient(), vertx, NAMESPACE, "torchserve", SERVICE_TIME,
                Duration.ofSeconds(1));
        front = new ServiceFront(vertx, predictor, 0);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable running : new AutoCloseable[] {load, hpa, front, predictor}) {
            if (running != null) {
                running.close();
            }
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void fiftyRequestsAgainstATargetOfTenScaleOneToFiveAndBack() {
        predictor.scaleTo(1);
        // kube-apiserver's proxy as it forwards an administrator's request (authorization has its own tests)
        CustomMetricsClient metrics = new CustomMetricsClient(URI.create("https://localhost:" + Api.httpsPort()),
                TestIdentities.FRONT_PROXY_CLIENT.clientContext(ServingCertificateResource.CA),
                Map.of("X-Remote-User", "test-admin", "X-Remote-Group", "system:masters"));
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                metrics.podValues(NAMESPACE, "concurrency", predictor.labelSelector()).size() == 1);
        hpa = new HpaLoop(HPA, k8s.getClient(), metrics, predictor, sync -> truth.put(sync.atNanos(),
                predictor.current().stream().mapToDouble(pod -> pod.server()
                        .averageInFlight(sync.atNanos() - BURST.toNanos(), sync.atNanos())).sum())).start();

        load = new HeldLoad(front.predictUrl()).start(50, SERVICE_TIME);
        // From here on the burst window (whole 1 s buckets) holds nothing but the load, and TorchServe's latency
        // counter, which counts a request when it completes, has caught up with it.
        long measurable = System.nanoTime() + BURST.plusSeconds(1).plus(SERVICE_TIME).toNanos();
        await().atMost(Duration.ofSeconds(30)).until(() -> syncsSince(measurable).size() >= 2);
        List<Sync> first = syncsSince(measurable).subList(0, 2);
        assertTrue(first.stream().anyMatch(sync -> sync.desiredReplicas() >= 5),
                "5 pods within two HPA syncs of the load being measurable:\n" + table());

        // Serving at 5: every pod ready, the load spread over them, and the HPA keeps it there.
        await().atMost(Duration.ofSeconds(20)).until(() -> predictor.routable().size() >= 5);
        long allReady = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).until(() -> syncsSince(allReady).size() >= 1);
        for (Sync sync : syncsSince(allReady)) {
            assertTrue(sync.desiredReplicas() >= 5, "stays at 5 pods under the load:\n" + table());
        }
        for (Sync sync : hpa.history()) {
            assertTrue(sync.desiredReplicas() <= 6, "never more than 6 pods:\n" + table());
            // 50 requests are in flight in all: per-pod values that add up to more count moved load twice
            assertTrue(sync.sumMilli() <= 55_000, "per-pod values add up to at most 55:\n" + table());
        }

        load.resize(0);
        await().atMost(HPA.scaleDownWindow().plus(HPA.period().multipliedBy(4)))
                .until(() -> predictor.replicas() == 1);
        assertEquals(1, predictor.routable().size());
    }

    private List<Sync> syncsSince(long nanos) {
        return hpa.history().stream().filter(sync -> sync.atNanos() >= nanos).toList();
    }

    /** The HPA's syncs, for failure messages: when, what it read, what it asked for. */
    private String table() {
        List<Sync> history = hpa.history();
        long start = history.isEmpty() ? 0 : history.get(0).atNanos();
        return history.stream().map(sync -> "  +%5.1f s  %d -> %d  in the pods %4.1f, reported %s%s".formatted(
                (sync.atNanos() - start) / 1e9, sync.currentReplicas(), sync.desiredReplicas(),
                truth.getOrDefault(sync.atNanos(), Double.NaN),
                sync.values().values().stream().map(v -> "%.1f".formatted(v / 1e3)).collect(Collectors.joining(" ")),
                sync.error() == null ? "" : " error: " + sync.error()))
                .collect(Collectors.joining("\n"));
    }
}
