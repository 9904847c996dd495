package dev.hpa.adapter.scrape;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodChange;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import dev.hpa.adapter.window.Reading;
import dev.hpa.adapter.window.SampleStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Scrapes every ready inference pod once per {@code adapter.scrape.interval}. Each pod has its own phase: the next
 * tick for a pod that arrives alone (one that just became ready is scraped at once), a random one for pods that
 * arrive together, so scrapes spread evenly over the interval instead of bursting on one tick; a slow pod delays
 * nobody: a scrape
 * is started, never waited for. The phases are slots of a {@link ScrapeWheel}, one wheel per event loop with one
 * timer ticking every {@link #SLOT_MILLIS} ms, rather than a timer per pod: the same spread at that granularity
 * (10,000 pods at 1 s: about 20 scrapes per 2 ms slot, each a request written, not a wait), without 10,000
 * scheduled tasks a second in Netty's priority queues. Slots of 10 ms started 100 scrapes at once, whose
 * in-flight peaks crossed {@code adapter.scrape.max-concurrent} and lost 2 % more scrapes at 10,000 pods. A
 * pod is scraped only on its wheel's event loop, where its connection lives. A pod is skipped (and counted) rather
 * than queued when its previous scrape is still running or when {@code adapter.scrape.max-concurrent} scrapes are
 * in flight.
 */
@Startup
@ApplicationScoped
public class ScrapeScheduler {

    private static final Logger LOG = Logger.getLogger(ScrapeScheduler.class);
    /** A wheel's slot: scrapes start within this much of their phase, and deadlines fire within it of the timeout. */
    static final long SLOT_MILLIS = 2;

    private final Vertx vertx;
    private final SampleStore store;
    private final Clock clock;
    private final PodScraper scraper;
    private final PageReader reader;
    private final long intervalMillis;
    private final int maxConcurrent;
    private final Map<PodKey, Target> targets = new ConcurrentHashMap<>();
    /** Pods whose missing endpoint was logged, with the problem logged: said once per pod and problem. */
    private final Map<PodKey, String> noEndpointLogged = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private static final int SUCCESS = 0;
    private static final int SKIPPED_OVERLAP = 1;
    private static final int SKIPPED_BUSY = 2;
    private static final int FAILED = 3;
    /**
     * {@code adapter.scrapes} by outcome: {@link #SUCCESS}, {@link #SKIPPED_OVERLAP}, {@link #SKIPPED_BUSY}, then
     * one per {@link Reason} from {@link #FAILED}; counted per wheel and added here once per interval.
     */
    private final Counter[] outcomes = new Counter[FAILED + Reason.values().length];
    private final Timer duration;
    private volatile long lastHeartbeat;
    private final long heartbeatTimer;
    /** One per event loop, so the pods' connections spread over all of them; pods are dealt out in turn. */
    private final Wheel[] wheels;
    private final AtomicInteger nextWheel = new AtomicInteger();
    /** Off in prometheus mode: the engine scrapes the pods, and the adapter must add no load of its own. */
    private final boolean scraping;

    public ScrapeScheduler(Vertx vertx, SampleStore store, Clock clock, AdapterConfig config, PodIndex index,
            MeterRegistry registry) {
        this.vertx = vertx;
        this.store = store;
        this.clock = clock;
        this.intervalMillis = config.scrape().interval().toMillis();
        this.maxConcurrent = config.scrape().maxConcurrent();
        this.scraping = config.source() == AdapterConfig.Source.SCRAPE;
        this.scraper = new PodScraper(vertx, clock, config.scrape().timeout(), config.scrape().maxBodyBytes());
        List<Recipe> recipes = new ArrayList<>();
        config.recipes().forEach((name, recipe) -> recipes.add(Recipe.fromConfig(name, recipe)));
        recipes.addAll(Recipe.BUILT_IN);
        this.reader = new PageReader(recipes);

        outcomes[SUCCESS] = scrapes(registry, "success");
        outcomes[SKIPPED_OVERLAP] = scrapes(registry, "skipped_overlap");
        outcomes[SKIPPED_BUSY] = scrapes(registry, "skipped_busy");
        for (Reason reason : Reason.values()) {
            outcomes[FAILED + reason.ordinal()] = scrapes(registry, reason.tag());
        }
        duration = Timer.builder("adapter.scrape.duration").description("Time to fetch and read one pod's metrics")
                .serviceLevelObjectives(millis(1), millis(5), millis(10), millis(25), millis(50), millis(100),
                        millis(250), millis(500), millis(1000))
                .register(registry);
        Gauge.builder("adapter.pods.tracked", index, PodIndex::size)
                .description("Inference pods watched (any state)").register(registry);
        Gauge.builder("adapter.pods.scraped", targets, Map::size)
                .description("Ready inference pods being scraped").register(registry);
        List<EventLoop> loops = new ArrayList<>();
        if (scraping) {
            vertx.nettyEventLoopGroup().forEach(executor -> loops.add((EventLoop) executor));
        }
        wheels = new Wheel[loops.size()];
        for (int i = 0; i < wheels.length; i++) {
            wheels[i] = new Wheel(loops.get(i));
        }
        lastHeartbeat = clock.millis();
        heartbeatTimer = vertx.setPeriodic(intervalMillis, id -> lastHeartbeat = clock.millis());
    }

    private static Duration millis(long ms) {
        return Duration.ofMillis(ms);
    }

    private static Counter scrapes(MeterRegistry registry, String outcome) {
        return Counter.builder("adapter.scrapes").description("Pod scrapes by outcome").tag("outcome", outcome)
                .register(registry);
    }

    void onPodChange(@Observes PodChange change) {
        if (!scraping) {
            return;
        }
        InferencePod pod = change.pod();
        if (pod == null) {
            noEndpointLogged.remove(change.key());
        }
        if (pod == null || !pod.scrapable()) {
            stop(change.key());
            if (pod != null && pod.ready() && pod.endpoint() == null) {
                logNoEndpointOnce(pod);
            }
            return;
        }
        Target current = targets.get(pod.key());
        if (current != null && Objects.equals(current.pod.ip(), pod.ip())
                && Objects.equals(current.pod.endpoint(), pod.endpoint())) {
            current.pod = pod; // labels may change without moving the endpoint: keep the timer and the phase
            return;
        }
        stop(pod.key());
        // A moved pod is a new target (new address, new connection), maybe on another loop, with a new phase.
        Target target = new Target(pod, wheels[Math.floorMod(nextWheel.getAndIncrement(), wheels.length)]);
        targets.put(pod.key(), target);
        target.wheel.add(target);
    }

    private void stop(PodKey key) {
        Target target = targets.remove(key);
        if (target != null) {
            target.stopped = true; // its wheel may visit it before the removal below gets there
            target.wheel.remove(target);
        }
        // The pod left, or stopped being ready: its samples must not come back if it returns later.
        store.forget(key);
    }

    private void tick(Target target) {
        if (target.stopped) {
            return;
        }
        if (target.busy) {
            target.wheel.counts[SKIPPED_OVERLAP]++;
            return;
        }
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            target.wheel.counts[SKIPPED_BUSY]++;
            return;
        }
        target.busy = true;
        long started = System.nanoTime();
        int scrape = ++target.scrapes;
        target.connection.start((page, failure) -> scraped(target, started, page, failure));
        // The deadline holds the target, not the scrape: a finished scrape holds its page, which must not stay
        // alive in the wheel until the deadline comes round (2,400 pages of 3-8 KB at 3,000 pods).
        target.wheel.wheel.atDeadline(() -> {
            if (target.scrapes == scrape) {
                target.connection.expire(); // harmless if it has finished
            }
        });
    }

    private void scraped(Target target, long started, Page page, ScrapeFailure failure) {
        inFlight.decrementAndGet();
        target.busy = false;
        target.reads++; // only this target's wheel, on one event loop, scrapes it
        duration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        InferencePod pod = target.pod;
        if (targets.get(pod.key()) != target) {
            return; // the pod went away or moved while we were reading it
        }
        if (failure != null) {
            failed(target, failure);
            return;
        }
        try {
            // Stamped with when the pod wrote the page, not with now: on a busy node the answer may wait here for
            // a while, and counters' rates are taken between these stamps.
            Reading reading = reader.read(page.contentType(), page.body(), page.length(), page.atMillis());
            store.record(pod.key(), reading);
            target.wheel.counts[SUCCESS]++;
            recovered(target, reading.source());
        } catch (MetricsFormatException e) {
            failed(target, new ScrapeFailure(Reason.BAD_PAGE, target.where + ": " + e.getMessage()));
        }
    }

    private void failed(Target target, ScrapeFailure failure) {
        target.wheel.counts[FAILED + failure.reason().ordinal()]++;
        store.recordFailure(target.pod.key(), failure.toString());
        // Log once per change of state, not once a second per broken pod.
        if (target.lastFailure != failure.reason()) {
            target.lastFailure = failure.reason();
            LOG.warnf("Scraping pod %s failed, its values are left out until it recovers: %s", target.pod.key(),
                    failure);
        }
    }

    private void recovered(Target target, String source) {
        if (target.lastFailure != null) {
            LOG.infof("Scraping pod %s works again (%s)", target.pod.key(), source);
            target.lastFailure = null;
        } else if (!target.announced) {
            LOG.debugf("Scraping pod %s at %s (%s)", target.pod.key(), target.pod.endpoint(), source);
        }
        target.announced = true;
    }

    private void logNoEndpointOnce(InferencePod pod) {
        if (!pod.endpointProblem().equals(noEndpointLogged.put(pod.key(), pod.endpointProblem()))) {
            LOG.infof("Pod %s publishes no load the adapter can read (%s); it is left out of answers",
                    pod.key(), pod.endpointProblem());
        }
    }

    /**
     * Scrapes of the pod finished so far, with a value or a failure; -1 for a pod that is not being scraped (gone,
     * not ready, or without an endpoint).
     */
    public int reads(PodKey key) {
        Target target = targets.get(key);
        return target == null ? -1 : target.reads;
    }

    /**
     * Targets on the wheels, each counted on its own loop once the additions and removals made before this call
     * have got there (a context runs its tasks in order). For tests: the same pod must never be on two.
     */
    int scheduled() {
        int sum = 0;
        for (Wheel wheel : wheels) {
            CompletableFuture<Integer> size = new CompletableFuture<>();
            wheel.context.runOnContext(v -> size.complete(wheel.wheel.size()));
            sum += size.join();
        }
        return sum;
    }

    /** When the scheduler's event loop last ran its heartbeat; a stuck loop stops it. */
    public long lastHeartbeat() {
        return lastHeartbeat;
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    void shutdown(@Observes ShutdownEvent event) {
        vertx.cancelTimer(heartbeatTimer);
        targets.keySet().forEach(this::stop);
        for (Wheel wheel : wheels) {
            wheel.close();
        }
    }

    /**
     * A {@link ScrapeWheel} on its event loop. Pods come and go on the informer's thread; their additions and
     * removals hop to the loop in the order they were made (a context runs its tasks in order), and the timer
     * runs only while the wheel has pods or deadlines, so an adapter with nothing to scrape stays asleep.
     */
    private final class Wheel {
        final EventLoop eventLoop;
        final Context context;
        final ScrapeWheel<Target> wheel;
        /** The loop's timer; -1 while stopped. Touched on the loop only. */
        long timer = -1;
        boolean closed;
        /**
         * Outcomes since the last flush into {@link #outcomes}. Counting here, on the loop, and adding once per
         * interval spares every scrape an increment through Quarkus' composite registry, which walks its
         * registries each time (a twentieth of the scrape CPU); the exported counters lag by one interval at most.
         */
        final long[] counts = new long[outcomes.length];
        private int ticksSinceFlush;

        Wheel(EventLoop eventLoop) {
            this.eventLoop = eventLoop;
            // A context of its own on that event loop: the pods dealt to this wheel keep their connections there.
            context = ((VertxInternal) vertx).createEventLoopContext(eventLoop, null,
                    Thread.currentThread().getContextClassLoader());
            long interval = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
            int slots = (int) Math.max(1, intervalMillis / SLOT_MILLIS);
            wheel = new ScrapeWheel<>(interval, slots, TimeUnit.MILLISECONDS.toNanos(scraper.timeoutMillis()),
                    ScrapeScheduler.this::tick, System.nanoTime());
        }

        void add(Target target) {
            int random = ThreadLocalRandom.current().nextInt(wheel.slotCount());
            context.runOnContext(v -> {
                if (target.stopped || closed) {
                    return; // removed before it got here
                }
                if (timer == -1) {
                    wheel.resume(System.nanoTime());
                    timer = vertx.setPeriodic(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wheel.slotNanos())),
                            id -> advance());
                }
                wheel.add(target, wheel.nextSlotOr(random));
            });
        }

        void remove(Target target) {
            context.runOnContext(v -> {
                wheel.remove(target);
                target.connection.close();
            });
        }

        private void advance() {
            wheel.advance(System.nanoTime());
            if (++ticksSinceFlush >= wheel.slotCount()) {
                flush();
            }
            if (!wheel.active() || closed) {
                vertx.cancelTimer(timer);
                timer = -1;
                flush();
            }
        }

        private void flush() {
            ticksSinceFlush = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 0) {
                    outcomes[i].increment(counts[i]);
                    counts[i] = 0;
                }
            }
        }

        void close() {
            context.runOnContext(v -> {
                flush();
                closed = true;
                if (timer != -1) {
                    vertx.cancelTimer(timer);
                    timer = -1;
                }
            });
        }
    }

    /**
     * A pod being scraped: on one wheel, touched by its event loop, and replaced (never mutated but for labels) on
     * moves. Its connection holds its request, encoded once: the same bytes every second.
     */
    private final class Target extends ScrapeWheel.Member {
        volatile InferencePod pod;
        final Wheel wheel;
        /** The pod's kept-alive connection, on the wheel's event loop; opened at the first scrape. */
        final PodScraper.Connection connection;
        /** The page's address, for failure messages. */
        final String where;
        volatile boolean stopped;
        volatile boolean busy;
        volatile Reason lastFailure;
        volatile boolean announced;
        /** Scrapes finished, with or without a value. */
        volatile int reads;
        /** Scrapes started: only its wheel's loop touches it. */
        int scrapes;

        Target(InferencePod pod, Wheel wheel) {
            this.pod = pod;
            this.wheel = wheel;
            this.where = pod.ip() + ":" + pod.endpoint().port() + pod.endpoint().path();
            this.connection = scraper.connection(pod.ip(), pod.endpoint(), wheel.eventLoop, where);
        }
    }
}
