package dev.hpa.adapter.status;

import dev.hpa.adapter.config.AdapterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The adapter's own health as the status page shows it, from what it already measures (its self-metrics): the
 * reads behind the values (pod scrapes, or PromQL queries in prometheus mode) and the kubelet reads by outcome,
 * since start and over the last minute, and how fast the API answered. The totals
 * are sampled every {@value #SAMPLE_MILLIS} ms (a few counter reads), so the last minute's rates need no history
 * of their own. Only aggregates: no pod, namespace or node name, so any caller of any page may see them.
 */
@ApplicationScoped
public class AdapterHealth {

    static final long SAMPLE_MILLIS = 5_000;
    private static final int SAMPLES = 13; // one minute back, and now
    /** Outcomes that are not failures: the pod was not asked, because it or the adapter was still busy. */
    private static final Set<String> SKIPPED = Set.of("skipped_overlap", "skipped_busy");
    private static final int API_ROWS = 8;

    /** Scrape totals at one moment. */
    private record Totals(long atMillis, double podOk, double podFailed, double kubeletOk, double kubeletFailed) {}

    /**
     * @param outcomes since start, by outcome
     * @param lastMinuteOk successes in about the last minute, -1 before a minute of samples exists
     * @param lastMinuteSeconds how long "the last minute" actually is
     */
    public record Scrapes(Map<String, Long> outcomes, long lastMinuteOk, long lastMinuteFailed,
            long lastMinuteSeconds) {}

    /** API answers of one route (a path template, never a path), since start. */
    public record Route(String uri, long count, double meanMillis, double maxMillis) {}

    /**
     * @param values   the reads behind the values: pod scrapes, or PromQL queries in prometheus mode
     * @param kubelets kubelet reads; null when the kubelets are not read ({@link AdapterConfig#readsKubelets()})
     */
    public record Summary(Scrapes values, Scrapes kubelets, List<Route> api) {}

    private final MeterRegistry registry;
    private final String valuesCounter;
    private final boolean kubeletsRead;
    private final Vertx vertx;
    private final Clock clock;
    private final Deque<Totals> samples = new ArrayDeque<>();
    private long timer = -1;

    public AdapterHealth(MeterRegistry registry, Vertx vertx, Clock clock, AdapterConfig config) {
        this.registry = registry;
        this.valuesCounter = config.source() == AdapterConfig.Source.SCRAPE ? "adapter.scrapes"
                : "adapter.prometheus.queries";
        this.kubeletsRead = config.readsKubelets();
        this.vertx = vertx;
        this.clock = clock;
    }

    void start(@Observes StartupEvent start) {
        sample();
        timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    synchronized void sample() {
        Map<String, Long> pods = outcomes(valuesCounter);
        Map<String, Long> kubelets = outcomes("adapter.kubelet.scrapes");
        samples.addLast(new Totals(clock.millis(), ok(pods), failed(pods), ok(kubelets), failed(kubelets)));
        while (samples.size() > SAMPLES) {
            samples.removeFirst();
        }
    }

    public synchronized Summary summary() {
        Map<String, Long> pods = outcomes(valuesCounter);
        Map<String, Long> kubelets = outcomes("adapter.kubelet.scrapes");
        Totals now = new Totals(clock.millis(), ok(pods), failed(pods), ok(kubelets), failed(kubelets));
        Totals then = samples.isEmpty() ? null : samples.peekFirst();
        boolean minute = then != null && now.atMillis() - then.atMillis() >= 55_000;
        long seconds = then == null ? 0 : (now.atMillis() - then.atMillis()) / 1000;
        Scrapes podScrapes = minute ? new Scrapes(pods, (long) (now.podOk() - then.podOk()),
                (long) (now.podFailed() - then.podFailed()), seconds) : new Scrapes(pods, -1, -1, seconds);
        Scrapes kubeletScrapes = minute ? new Scrapes(kubelets, (long) (now.kubeletOk() - then.kubeletOk()),
                (long) (now.kubeletFailed() - then.kubeletFailed()), seconds) : new Scrapes(kubelets, -1, -1, seconds);
        return new Summary(podScrapes, kubeletsRead ? kubeletScrapes : null, api());
    }

    private Map<String, Long> outcomes(String counter) {
        Map<String, Long> outcomes = new TreeMap<>();
        for (Counter c : registry.find(counter).counters()) {
            String outcome = c.getId().getTag("outcome");
            if (outcome != null && c.count() > 0) {
                outcomes.merge(outcome, (long) c.count(), Long::sum);
            }
        }
        return outcomes;
    }

    private static double ok(Map<String, Long> outcomes) {
        return outcomes.getOrDefault("success", 0L);
    }

    private static double failed(Map<String, Long> outcomes) {
        return outcomes.entrySet().stream().filter(e -> !"success".equals(e.getKey())
                && !SKIPPED.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    /** Quarkus' http.server.requests timers of the API's routes, merged over method and status, busiest first. */
    private List<Route> api() {
        Map<String, double[]> byUri = new TreeMap<>();
        for (Timer t : registry.find("http.server.requests").timers()) {
            String uri = t.getId().getTag("uri");
            // Templates only ({namespace}, not a namespace): a request refused before routing is tagged with its
            // raw path, which names a namespace that the viewer of this page may have no right to see.
            if (uri == null || !uri.startsWith("/apis/") || !uri.contains("{")) {
                continue;
            }
            double[] sums = byUri.computeIfAbsent(uri, u -> new double[3]);
            sums[0] += t.count();
            sums[1] += t.totalTime(TimeUnit.MILLISECONDS);
            sums[2] = Math.max(sums[2], t.max(TimeUnit.MILLISECONDS));
        }
        List<Route> routes = new ArrayList<>();
        byUri.forEach((uri, s) -> routes.add(new Route(uri, (long) s[0], s[0] == 0 ? 0 : s[1] / s[0], s[2])));
        routes.sort(Comparator.comparingLong(Route::count).reversed());
        return routes.subList(0, Math.min(API_ROWS, routes.size()));
    }
}
