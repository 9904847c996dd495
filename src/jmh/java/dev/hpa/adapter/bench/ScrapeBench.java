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
 * User-Agent, over the same interval. The fleet runs in this JVM and is not counted.
 */
public final class ScrapeBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("scrape", args, Map.of("pods", "500", "warmup", "60", "seconds", "60"));
        int pods = h.integer("pods");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            cluster.readyPods("ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("vllm", pods / 2, pods - pods / 2, fleet.vllm);
            List<String> targets = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                targets.add(Cluster.ip(i) + ":" + (i < pods / 2 ? fleet.torchserve : fleet.vllm));
            }
            try (Adapter adapter = new Adapter(h.jar, cluster, h.dir, "adapter", List.of(), Map.of());
                    Prometheus prometheus = new Prometheus(h.dir, targets)) {
                adapter.await("answers for all " + pods + " pods", Duration.ofSeconds(120),
                        () -> adapter.answers("ts", pods / 2) && adapter.answers("vllm", pods - pods / 2));
                say("both scraping %d pods; warming up %s s (JIT, TSDB head)", pods, h.get("warmup"));
                Thread.sleep(h.integer("warmup") * 1000L);
                Sample before = Sample.take(adapter, prometheus, fleet);
                say("measuring %s s", h.get("seconds"));
                Thread.sleep(h.integer("seconds") * 1000L);
                Sample after = Sample.take(adapter, prometheus, fleet);

                double seconds = (after.nanos - before.nanos) / 1e9;
                long adapterScrapes = after.adapterScrapes - before.adapterScrapes;
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
                row("Prometheus", promScrapes, f("%.0f", promScrapes / seconds), f("%.2f", promCpu),
                        f("%.3f", promCpu / seconds), f("%.3f", promPerK), after.prometheus.rssBytes() >> 20);
                System.out.println();
                double ratio = adapterPerK / promPerK;
                System.out.printf("RESULT scrape: adapter/Prometheus CPU per 1,000 scrapes = %.2f× (target <= 0.5×:"
                        + " %s); adapter failed or skipped scrapes since start: %.0f%n", ratio,
                        ratio <= 0.5 ? "met" : "MISSED", failed);
            }
        }
    }

    record Sample(long nanos, ProcStat adapter, ProcStat prometheus, long adapterScrapes, long promScrapes) {
        static Sample take(Adapter adapter, Prometheus prometheus, Fleet fleet) {
            return new Sample(System.nanoTime(), adapter.stat(), prometheus.stat(), fleet.adapterScrapes.sum(),
                    fleet.prometheusScrapes.sum());
        }
    }
}
