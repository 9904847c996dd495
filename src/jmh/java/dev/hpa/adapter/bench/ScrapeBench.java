package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 2: CPU seconds per 1,000 scrapes, the adapter against Prometheus, both scraping the same N pods
 * (half TorchServe pages of 3.8 KB, half vLLM pages of 7.5 KB, on 127.0.x.y addresses) every second, at the
 * same time, so both see the same machine. CPU is what the kernel charged each process (/proc/PID/stat, user +
 * system, every thread: parsing, HTTP, GC, JIT, Prometheus's TSDB); scrapes are counted by the fleet, per
 * User-Agent, over the same interval. The fleet runs in this JVM and is not counted. The adapter's JVM is the
 * Deployment's (512 MiB, heap at 75 %, the collector the JVM picks in such a container).
 *
 * <p>With {@code --baseline OLDER.jar} that build scrapes the same pods at the same time as this one and
 * Prometheus, so all three are measured over the same seconds of the same machine; the fleet cannot tell the two
 * adapters apart (same User-Agent), so each one's scrapes are then its own {@code adapter_scrapes_total} other
 * than skipped (counters that may lag by one interval: at most 1/60 of the 60 s measured).
 */
public final class ScrapeBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    /** The JVM of the Deployment (its heap and collector), and what {@code --jvm} adds. */
    private static List<String> jvm(Harness h, String option) {
        List<String> jvm = new ArrayList<>(ScaleBench.DEPLOYMENT_JVM);
        jvm.addAll(h.words(option));
        return jvm;
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("scrape", args, Map.of("pods", "500", "warmup", "60", "seconds", "60",
                "baseline", "", "jvm", "", "baseline-jvm", ""));
        int pods = h.integer("pods");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            cluster.readyPods("ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("vllm", pods / 2, pods - pods / 2, fleet.vllm);
            List<String> targets = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                targets.add(Cluster.ip(i) + ":" + (i < pods / 2 ? fleet.torchserve : fleet.vllm));
            }
            boolean twoBuilds = !h.get("baseline").isBlank();
            try (Adapter adapter = new Adapter(h.jar, cluster, h.dir, "adapter", jvm(h, "jvm"), Map.of());
                    Adapter baseline = twoBuilds ? new Adapter(java.nio.file.Path.of(h.get("baseline"))
                            .toAbsolutePath(), cluster, h.dir, "baseline", jvm(h, "baseline-jvm"), Map.of()) : null;
                    Prometheus prometheus = new Prometheus(h.dir, targets)) {
                for (Adapter a : twoBuilds ? List.of(adapter, baseline) : List.of(adapter)) {
                    a.await("answers for all " + pods + " pods", Duration.ofSeconds(120),
                            () -> a.answers("ts", pods / 2) && a.answers("vllm", pods - pods / 2));
                }
                say("both scraping %d pods; warming up %s s (JIT, TSDB head)", pods, h.get("warmup"));
                Thread.sleep(h.integer("warmup") * 1000L);
                Sample before = Sample.take(adapter, prometheus, fleet);
                Own baseBefore = twoBuilds ? Own.take(baseline) : null;
                Own adapterBefore = twoBuilds ? Own.take(adapter) : null;
                say("measuring %s s", h.get("seconds"));
                Thread.sleep(h.integer("seconds") * 1000L);
                Sample after = Sample.take(adapter, prometheus, fleet);
                Own baseAfter = twoBuilds ? Own.take(baseline) : null;
                Own adapterAfter = twoBuilds ? Own.take(adapter) : null;

                double seconds = (after.nanos - before.nanos) / 1e9;
                long adapterScrapes = twoBuilds ? adapterAfter.scrapes - adapterBefore.scrapes
                        : after.adapterScrapes - before.adapterScrapes;
                long promScrapes = after.promScrapes - before.promScrapes;
                double adapterCpu = after.adapter.cpuSeconds() - before.adapter.cpuSeconds();
                double promCpu = after.prometheus.cpuSeconds() - before.prometheus.cpuSeconds();
                double adapterPerK = adapterCpu / adapterScrapes * 1000;
                double promPerK = promCpu / promScrapes * 1000;
                double failed = adapter.selfMetric("adapter_scrapes_total{outcome=\"timeout\"")
                        + adapter.selfMetric("adapter_scrapes_total{outcome=\"connect_error\"")
                        + adapter.selfMetric("adapter_scrapes_total{outcome=\"skipped");

                System.out.println();
                System.out.printf("Scrape cost: %d pods, 1 s interval, %.0f s measured%n", pods, seconds);
                row("scraper", "scrapes", "scrapes/s", "CPU s", "CPU cores", "CPU s / 1,000 scrapes", "RSS MiB");
                row("---", "---", "---", "---", "---", "---", "---");
                row("adapter", adapterScrapes, f("%.0f", adapterScrapes / seconds), f("%.2f", adapterCpu),
                        f("%.3f", adapterCpu / seconds), f("%.3f", adapterPerK), after.adapter.rssBytes() >> 20);
                String baseRatio = "";
                if (twoBuilds) {
                    long baseScrapes = baseAfter.scrapes - baseBefore.scrapes;
                    double baseCpu = baseAfter.stat.cpuSeconds() - baseBefore.stat.cpuSeconds();
                    double basePerK = baseCpu / baseScrapes * 1000;
                    row("baseline", baseScrapes, f("%.0f", baseScrapes / seconds), f("%.2f", baseCpu),
                            f("%.3f", baseCpu / seconds), f("%.3f", basePerK), baseAfter.stat.rssBytes() >> 20);
                    baseRatio = f("; baseline/Prometheus = %.2f× in the same run", basePerK / promPerK);
                }
                row("Prometheus", promScrapes, f("%.0f", promScrapes / seconds), f("%.2f", promCpu),
                        f("%.3f", promCpu / seconds), f("%.3f", promPerK), after.prometheus.rssBytes() >> 20);
                System.out.println();
                double ratio = adapterPerK / promPerK;
                System.out.printf("RESULT scrape: adapter/Prometheus CPU per 1,000 scrapes = %.2f× (target <= 0.5×:"
                        + " %s)%s; adapter failed or skipped scrapes since start: %.0f%n", ratio,
                        ratio <= 0.5 ? "met" : "MISSED", baseRatio, failed);
            }
        }
    }

    /** An adapter's CPU and its own count of the scrapes it made (every outcome but skipped), read together. */
    record Own(ProcStat stat, long scrapes) {
        static Own take(Adapter adapter) throws Exception {
            double[] sums = adapter.selfMetrics("adapter_scrapes_total", "adapter_scrapes_total{outcome=\"skipped");
            return new Own(adapter.stat(), Math.round(sums[0] - sums[1]));
        }
    }

    record Sample(long nanos, ProcStat adapter, ProcStat prometheus, long adapterScrapes, long promScrapes) {
        static Sample take(Adapter adapter, Prometheus prometheus, Fleet fleet) {
            return new Sample(System.nanoTime(), adapter.stat(), prometheus.stat(), fleet.adapterScrapes.sum(),
                    fleet.prometheusScrapes.sum());
        }
    }
}
