package dev.hpa.adapter.scrape;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.MetricsEndpoint;
import dev.hpa.adapter.pods.PodChange;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's wheels over real connections: pods added, moved and removed from a thread that is not an event
 * loop (as the informer's is), each scraped where it is now and by one target only. The wheel's timing is
 * {@link ScrapeWheelTest}; here only what was scraped, never how fast.
 */
class ScrapeSchedulerTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final String PAGE = "vllm:num_requests_running{model_name=\"m\"} 3\n"
            + "vllm:num_requests_waiting{model_name=\"m\"} 1\n";
    private static final PodKey KEY = new PodKey("team-a", "llama-1");

    private Vertx vertx;
    private ScrapeScheduler scheduler;
    private Server a;
    private Server b;

    /** A pod's metrics page that counts its scrapes. */
    private record Server(HttpServer http, AtomicInteger scrapes) {
        static Server start(Vertx vertx) {
            AtomicInteger scrapes = new AtomicInteger();
            HttpServer http = vertx.createHttpServer().requestHandler(request -> {
                scrapes.incrementAndGet();
                request.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(PAGE);
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
            return new Server(http, scrapes);
        }

        int port() {
            return http.actualPort();
        }

        int count() {
            return scrapes.get();
        }
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        a = Server.start(vertx);
        b = Server.start(vertx);
        AdapterConfig config = ConfigCheckTest.config(Map.of("adapter.scrape.interval", INTERVAL.toMillis() + "ms",
                "adapter.scrape.timeout", "80ms"));
        scheduler = new ScrapeScheduler(vertx, new SampleStore(config), Clock.systemUTC(), config,
                new PodIndex(null), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        scheduler.shutdown(null);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static InferencePod pod(int port, Map<String, String> labels) {
        return new InferencePod(KEY, "uid-1", labels, "127.0.0.1", true,
                new MetricsEndpoint(MetricsEndpoint.Format.PROMETHEUS, port, "/metrics"), null, "llama", "node-1", 0,
                null, Long.MIN_VALUE);
    }

    @Test
    void aMovedPodIsScrapedAtItsNewAddressOnlyAndARemovedOneNotAtAll() throws Exception {
        scheduler.onPodChange(new PodChange(KEY, pod(a.port(), Map.of())));
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.reads(KEY) >= 3);
        assertEquals(1, scheduler.scheduled());
        assertTrue(a.count() >= 3);

        scheduler.onPodChange(new PodChange(KEY, pod(b.port(), Map.of())));
        int readsBefore = scheduler.reads(KEY);
        assertEquals(0, readsBefore, "a new target for the new address, its reads counted afresh");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.count() >= 3);
        int atA = a.count();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.count() >= 8);
        assertEquals(atA, a.count(), "the old address is not scraped once the pod moved");
        assertEquals(1, scheduler.scheduled(), "the move replaced the target, it did not add one");

        scheduler.onPodChange(new PodChange(KEY, null));
        assertEquals(-1, scheduler.reads(KEY));
        assertEquals(0, scheduler.scheduled());
        // A scrape started just before the removal may still arrive; none after it.
        Thread.sleep(2 * INTERVAL.toMillis());
        int atB = b.count();
        Thread.sleep(5 * INTERVAL.toMillis());
        assertEquals(atB, b.count(), "a removed pod is not scraped");
    }

    @Test
    void changesThatKeepTheAddressKeepTheOneTargetAndItsPhase() {
        scheduler.onPodChange(new PodChange(KEY, pod(a.port(), Map.of())));
        for (int i = 0; i < 20; i++) {
            scheduler.onPodChange(new PodChange(KEY, pod(a.port(), Map.of("revision", "r" + i))));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.reads(KEY) >= 10);
        assertEquals(1, scheduler.scheduled(), "label changes schedule nothing more");
        // One target, one scrape per interval: every request the server saw was one of its finished reads, plus
        // at most the one in flight. Twenty targets would have scraped about twenty times as often.
        int reads = scheduler.reads(KEY);
        int served = a.count();
        assertTrue(served <= reads + 1, "served " + served + " scrapes for " + reads + " reads");
    }

    @Test
    void podsAddedAndRemovedQuicklyLeaveNothingScheduled() {
        for (int i = 0; i < 20; i++) {
            PodKey key = new PodKey("team-a", "churn-" + i);
            InferencePod pod = new InferencePod(key, "uid-" + i, Map.of(), "127.0.0.1", true,
                    new MetricsEndpoint(MetricsEndpoint.Format.PROMETHEUS, a.port(), "/metrics"), null, "llama",
                    "node-1", 0, null, Long.MIN_VALUE);
            scheduler.onPodChange(new PodChange(key, pod));
            if (i % 2 == 0) {
                scheduler.onPodChange(new PodChange(key, null));
            }
        }
        assertEquals(10, scheduler.scheduled());
        for (int i = 1; i < 20; i += 2) {
            scheduler.onPodChange(new PodChange(new PodKey("team-a", "churn-" + i), null));
        }
        assertEquals(0, scheduler.scheduled());
    }
}
