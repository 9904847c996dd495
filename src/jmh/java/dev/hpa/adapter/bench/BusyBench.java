package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 6, a busy node: how far a Little's-law value drifts from the truth when the node's CPU is starved.
 * Ten pods publish TorchServe's busy counter for exactly 20 requests in flight (five in waves, five smoothly;
 * {@link Fleet}); the API's {@code concurrency} is polled every 100 ms, first on the machine as it is, then with
 * busy loops added ({@code --loops}, ordinary priority) that starve the adapters, the pods and the poller alike.
 * The error is |value − 20| / 20 per pod value; a pod left out of an answer is counted apart, not as an error.
 *
 * <p>With {@code --baseline JAR} a second adapter, built from another commit, watches the same pods side by side,
 * so both see the same starvation.
 */
public final class BusyBench {

    static final List<String> PAGES = List.of("waves", "smooth");
    static final int PODS = 5;

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("busy", args, Map.of("seconds", "60", "loops", "6", "interval", "250ms",
                "burst", "2s", "baseline", ""));
        Duration interval = duration(h.get("interval"));
        Map<String, String> settings = Map.of("adapter.scrape.interval", h.get("interval"),
                "adapter.scrape.timeout", interval.multipliedBy(4).dividedBy(5).toMillis() + "ms",
                "adapter.window.burst", h.get("burst"));
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            cluster.readyPods("waves", 0, PODS, fleet.waves);
            cluster.readyPods("smooth", PODS, PODS, fleet.smooth);
            Map<String, Adapter> adapters = new LinkedHashMap<>();
            try {
                adapters.put("this build", new Adapter(h.jar, cluster, h.dir, "adapter", List.of(), settings));
                if (!h.get("baseline").isEmpty()) {
                    adapters.put("baseline", new Adapter(Path.of(h.get("baseline")).toAbsolutePath(), cluster, h.dir,
                            "adapter-baseline", List.of(), settings));
                }
                for (Adapter adapter : adapters.values()) {
                    for (String page : PAGES) {
                        adapter.await("all pods of " + page + " answered", Duration.ofSeconds(120),
                                () -> adapter.answers(page, PODS));
                    }
                }
                Duration burst = duration(h.get("burst"));
                Thread.sleep(burst.toMillis() + 5_000); // every window full of steady load
                Map<String, Errors> quiet = measure("quiet", adapters, h.integer("seconds"));
                List<Process> loops = new ArrayList<>();
                for (int i = 0; i < h.integer("loops"); i++) {
                    loops.add(Children.start(List.of("sh", "-c", "while :; do :; done"), Map.of(),
                            h.dir.resolve("loop-" + i + ".log")));
                }
                Map<String, Errors> busy;
                try {
                    busy = measure("busy (+" + loops.size() + " busy loops)", adapters, h.integer("seconds"));
                } finally {
                    loops.forEach(Children::stop);
                }
                System.out.println();
                System.out.printf("Busy node: concurrency (burst window %s, scrapes every %s) of pods holding exactly"
                        + " %d, polled every 100 ms; error = |value - %d| / %d%n", burst, interval,
                        Fleet.BUSY_IN_FLIGHT, Fleet.BUSY_IN_FLIGHT, Fleet.BUSY_IN_FLIGHT);
                row("adapter", "phase", "load average", "page", "values", "median error", "p95 error", "max error",
                        "left out");
                row("---", "---", "---", "---", "---", "---", "---", "---", "---");
                String result = "";
                for (var phase : List.of(quiet, busy)) {
                    for (var e : phase.entrySet()) {
                        e.getValue().print(e.getKey());
                    }
                }
                for (var e : busy.entrySet()) {
                    result += f("%s: %s; ", e.getKey(), e.getValue().summary());
                }
                System.out.println();
                System.out.println("RESULT busy: " + result);
            } finally {
                adapters.values().forEach(Adapter::close);
            }
        }
    }

    /** "250ms" or "2s", as the adapter's configuration spells them. */
    static Duration duration(String text) {
        return text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)))
                : Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
    }

    /** Polls every adapter for every page for {@code seconds}; keyed "adapter|page". */
    static Map<String, Errors> measure(String phase, Map<String, Adapter> adapters, int seconds) throws Exception {
        say("%s: polling for %d s", phase, seconds);
        Map<String, Errors> errors = new LinkedHashMap<>();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < end) {
            for (var adapter : adapters.entrySet()) {
                for (String page : PAGES) {
                    Map<String, Double> values = adapter.getValue().values("concurrency", page);
                    Errors e = errors.computeIfAbsent(adapter.getKey() + "|" + page, k -> new Errors(phase, page));
                    e.leftOut += PODS - values.size();
                    values.values().forEach(v -> e.errors.add(Math.abs(v - Fleet.BUSY_IN_FLIGHT)
                            / Fleet.BUSY_IN_FLIGHT));
                }
            }
            Thread.sleep(100);
        }
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        errors.values().forEach(e -> e.loadAverage = load);
        return errors;
    }

    static final class Errors {
        final String phase;
        final String page;
        final List<Double> errors = new ArrayList<>();
        int leftOut;
        String loadAverage;

        Errors(String phase, String page) {
            this.phase = phase;
            this.page = page;
        }

        double percentile(double p) {
            if (errors.isEmpty()) {
                return Double.NaN;
            }
            List<Double> sorted = new ArrayList<>(errors);
            sorted.sort(Double::compare);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
        }

        void print(String key) {
            row(key.substring(0, key.indexOf('|')), phase, loadAverage, page, errors.size(),
                    f("%.1f %%", 100 * percentile(0.5)), f("%.1f %%", 100 * percentile(0.95)),
                    f("%.1f %%", 100 * percentile(1)), leftOut);
        }

        String summary() {
            return f("%s p95 %.1f %% max %.1f %%", page, 100 * percentile(0.95), 100 * percentile(1));
        }
    }
}
