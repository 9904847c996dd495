package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 4: pods whose in-flight requests step from 0 to 50 (a vLLM page whose running gauge the fleet
 * switches at one instant), after a full stable window of 0. Measured through the API, polled every 50 ms: the time
 * until {@code concurrency} (burst window) reports ≥ 45, and until {@code concurrency_stable} reaches 90 % of what
 * an exact 60 s average would be at that moment (50 × t / 60). Five pods, each with its own random scrape phase.
 *
 * <p>Two adapters watch the same pods side by side: the default burst window (6 s) and a 2 s one, because a window
 * average cannot pass 45 of a 0 → 50 step before 90 % of the window has passed (5.4 s of 6 s), however fresh the
 * scrapes are.
 */
public final class FreshnessBench {

    static final int STEP = 50;
    static final int PODS = 5;

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("freshness", args, Map.of("idle", "62", "seconds", "20", "bursts", "6s,2s"));
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            fleet.setRunning(0);
            cluster.readyPods("fresh", 0, PODS, fleet.live);
            Map<String, Adapter> adapters = new LinkedHashMap<>();
            try {
                for (String burst : h.get("bursts").split(",")) {
                    adapters.put(burst, new Adapter(h.jar, cluster, h.dir, "adapter-burst-" + burst, List.of(),
                            Map.of("adapter.window.burst", burst)));
                }
                for (Adapter adapter : adapters.values()) {
                    adapter.await("all " + PODS + " pods answered", Duration.ofSeconds(120),
                            () -> adapter.answers("fresh", PODS));
                }
                say("all pods at 0; holding %s s so the stable window is all 0", h.get("idle"));
                Thread.sleep(h.integer("idle") * 1000L);
                long t0 = System.nanoTime();
                fleet.setRunning(STEP);
                say("step 0 -> %d; polling for %s s", STEP, h.get("seconds"));
                Map<String, Times> times = new LinkedHashMap<>();
                adapters.keySet().forEach(b -> times.put(b, new Times()));
                long end = t0 + Duration.ofSeconds(h.integer("seconds")).toNanos();
                while (System.nanoTime() < end) {
                    for (var e : adapters.entrySet()) {
                        Times t = times.get(e.getKey());
                        double at = (System.nanoTime() - t0) / 1e9;
                        Map<String, Double> burst = e.getValue().values("concurrency", "fresh");
                        Map<String, Double> stable = e.getValue().values("concurrency_stable", "fresh");
                        double expected = STEP * Math.min(at, 60) / 60;
                        burst.forEach((pod, v) -> {
                            if (v >= 0.9 * STEP) {
                                t.burst.putIfAbsent(pod, at);
                            }
                        });
                        stable.forEach((pod, v) -> {
                            if (v >= 0.9 * expected) {
                                t.stable.putIfAbsent(pod, at);
                            }
                            if (at >= 10 && !t.stableAt10.containsKey(pod)) {
                                t.stableAt10.put(pod, v / expected);
                            }
                        });
                    }
                    Thread.sleep(50);
                }
                System.out.println();
                System.out.printf("Freshness: %d pods, in-flight 0 -> %d at t = 0, scrape interval 1 s, API polled"
                        + " every 50 ms; min / median / max over the pods%n", PODS, STEP);
                row("burst window", "concurrency >= 45 (s)", "ideal window average (s)",
                        "concurrency_stable >= 90 % of 50 t / 60 (s)", "stable at t ≈ 10 s / exact average");
                row("---", "---", "---", "---", "---");
                String result = "";
                for (var e : times.entrySet()) {
                    Times t = e.getValue();
                    double window = Duration.parse("PT" + e.getKey()).toMillis() / 1000.0;
                    row(e.getKey(), spread(t.burst), f("%.1f", 0.9 * window), spread(t.stable),
                            spread(t.stableAt10));
                    double median = median(t.burst);
                    result += f("burst %s: median %.2f s (target <= 2 s: %s); ", e.getKey(), median,
                            median <= 2 ? "met" : "MISSED");
                }
                System.out.println();
                System.out.println("RESULT freshness: " + result + "a pod that never got there counts as infinite");
            } finally {
                adapters.values().forEach(Adapter::close);
            }
        }
    }

    static final class Times {
        final Map<String, Double> burst = new LinkedHashMap<>();
        final Map<String, Double> stable = new LinkedHashMap<>();
        final Map<String, Double> stableAt10 = new LinkedHashMap<>();
    }

    static double median(Map<String, Double> byPod) {
        List<Double> values = new ArrayList<>(byPod.values());
        while (values.size() < PODS) {
            values.add(Double.POSITIVE_INFINITY);
        }
        return Harness.median(values);
    }

    static String spread(Map<String, Double> byPod) {
        List<Double> values = new ArrayList<>(byPod.values());
        while (values.size() < PODS) {
            values.add(Double.POSITIVE_INFINITY);
        }
        values.sort(Double::compare);
        return f("%.2f / %.2f / %.2f", values.get(0), Harness.median(values), values.get(values.size() - 1));
    }
}
