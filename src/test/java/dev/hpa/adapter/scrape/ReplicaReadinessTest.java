package dev.hpa.adapter.scrape;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.pods.PodChange;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.pods.PodWatcher;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.ManualClock;
import dev.hpa.adapter.testing.TestPods;
import dev.hpa.adapter.window.SampleStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.util.TypeLiteral;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The readiness gate over the real pieces: the fabric8 informers against the CRUD mock, the scrape scheduler on
 * Vert.x reading fake model servers over sockets. Only the gate's clock is a manual one, so "how long since the
 * sync" is the test's to move, while the scrapes take their real time.
 */
class ReplicaReadinessTest {

    private static final Duration INTERVAL = Duration.ofMillis(500);

    private final ManualClock clock = new ManualClock();
    private KubernetesMockServer api;
    private KubernetesClient client;
    private TestPods pods;
    private Vertx vertx;
    private ScrapeScheduler scheduler;
    private PodWatcher watcher;
    private ReplicaReadiness readiness;

    @BeforeEach
    void cluster() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        api.init();
        client = api.createClient();
        pods = new TestPods(client);
    }

    /** The adapter's pod side as CDI wires it: informer → index → (PodChange) → scheduler. */
    private void startAdapter() {
        startAdapter(ConfigCheckTest.config(Map.of("adapter.pods.label-selector", TestPods.ISVC_LABEL,
                "adapter.scrape.interval", INTERVAL.toMillis() + "ms", "adapter.scrape.timeout", "400ms")));
    }

    private void startAdapter(AdapterConfig config) {
        vertx = Vertx.vertx();
        ScrapeScheduler[] forward = new ScrapeScheduler[1];
        PodIndex index = new PodIndex(new Forward(change -> forward[0].onPodChange(change)));
        scheduler = new ScrapeScheduler(vertx, new SampleStore(config), java.time.Clock.systemUTC(), config, index,
                new SimpleMeterRegistry());
        forward[0] = scheduler;
        watcher = new PodWatcher(client, index, config, clock);
        readiness = new ReplicaReadiness(watcher, index, scheduler, clock);
        watcher.start(null);
    }

    @AfterEach
    void stop() throws Exception {
        if (watcher != null) {
            watcher.stop(null);
            scheduler.shutdown(null);
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        pods.close();
        client.close();
        api.destroy();
    }

    @Test
    void readyOnlyOnceEveryListedPodWasReadTwiceWithAValueOrAFailure() {
        pods.ready("team-a", "healthy", "llama", pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)));
        pods.ready("team-a", "failing", "llama",
                pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)).metricsStatus(500));
        pods.ready("team-a", "slow", "llama",
                pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)).metricsDelay(Duration.ofSeconds(5)));
        pods.notReady("team-a", "starting", "llama", pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)));
        pods.withoutEndpoint("team-a", "no-endpoint", "llama");

        startAdapter();
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.syncedAt().isPresent());
        HealthCheckResponse justSynced = readiness.call();
        assertEquals(HealthCheckResponse.Status.DOWN, justSynced.getStatus(), () -> "right after the sync, before"
                + " two scrape intervals: " + justSynced.getData());
        assertEquals(5, watcher.listedAtSync().size());

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.UP);
        for (String name : new String[] {"healthy", "failing", "slow"}) {
            int reads = scheduler.reads(new PodKey("team-a", name));
            assertTrue(reads >= ReplicaReadiness.READS, name + " was read " + reads + " times when readiness came");
        }
        assertEquals(-1, scheduler.reads(new PodKey("team-a", "starting")), "a pod not ready is not scraped");
        assertEquals(-1, scheduler.reads(new PodKey("team-a", "no-endpoint")));
    }

    @Test
    void podsNeverReadHoldReadinessBackForABoundedTimeOnly() {
        // Every tick of this pod is skipped, as on a node so starved that the scrape limit is always reached: a
        // limit of 0, which the application refuses at start-up (ConfigCheck), but the scheduler obeys
        pods.ready("team-a", "skipped", "llama", pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)));
        AdapterConfig config = ConfigCheckTest.config(Map.of("adapter.pods.label-selector", TestPods.ISVC_LABEL,
                "adapter.scrape.interval", INTERVAL.toMillis() + "ms", "adapter.scrape.timeout", "400ms",
                "adapter.scrape.max-concurrent", "0"));
        startAdapter(config);
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.syncedAt().isPresent());

        long bound = ReplicaReadiness.BOUND_INTERVALS * INTERVAL.toMillis();
        clock.advance(Duration.ofMillis(bound - 1));
        assertEquals(HealthCheckResponse.Status.DOWN, readiness.call().getStatus(), "just before the bound");
        assertEquals(1L, readiness.call().getData().orElseThrow().get("podsNotYetRead"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus(), "at the bound");
        assertEquals(0, scheduler.reads(new PodKey("team-a", "skipped")), "ready although never read");
        clock.advance(Duration.ofDays(1));
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus(), "and it stays ready");
    }

    @Test
    void aListedPodDeletedBeforeItWasReadDoesNotHoldReadinessBack() {
        pods.ready("team-a", "healthy", "llama", pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)));
        pods.ready("team-a", "leaving", "llama",
                pods.idle(FakeModelServer.Format.VLLM, Duration.ofMillis(100)).metricsDelay(Duration.ofSeconds(5)));
        startAdapter();
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.syncedAt().isPresent());
        assertEquals(HealthCheckResponse.Status.DOWN, readiness.call().getStatus());

        pods.delete("team-a", "leaving");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.UP);
        assertEquals(-1, scheduler.reads(new PodKey("team-a", "leaving")));
    }

    /** CDI's event, delivering synchronously to one observer, as ArC does for PodIndex's changes. */
    private record Forward(java.util.function.Consumer<PodChange> observer) implements Event<PodChange> {
        @Override
        public void fire(PodChange event) {
            observer.accept(event);
        }

        @Override
        public <U extends PodChange> CompletionStage<U> fireAsync(U event) {
            throw new UnsupportedOperationException("PodIndex fires synchronously");
        }

        @Override
        public <U extends PodChange> CompletionStage<U> fireAsync(U event, NotificationOptions options) {
            throw new UnsupportedOperationException("PodIndex fires synchronously");
        }

        @Override
        public Event<PodChange> select(Annotation... qualifiers) {
            return this;
        }

        @Override
        public <U extends PodChange> Event<U> select(Class<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends PodChange> Event<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }
    }
}
