package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two sources of values side by side, in one run: an adapter scraping N pods itself ({@code adapter.source=
 * scrape}) and an adapter reading the same pods from Prometheus ({@code adapter.source=prometheus}, Debian's
 * Prometheus 2.42 scraping them every second). Each adapter in turn gets the same open-loop load of
 * {@code pods/*\/concurrency} for all N pods; per-request latency from the load client, CPU from /proc of the
 * adapter and of Prometheus (which answers the prometheus-mode adapter's queries), as the cost of serving on top
 * of what each process spends when nobody asks (measured first, over the same time).
 */
public final class SourceBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("source", args, Map.of("pods", "100", "rate", "200", "seconds", "20",
                "warmup", "20", "rounds", "2"));
        int pods = h.integer("pods");
        int rate = h.integer("rate");
        int seconds = h.integer("seconds");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            cluster.readyPods("ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("vllm", pods / 2, pods - pods / 2, fleet.vllm);
            Map<String, String> targets = new LinkedHashMap<>();
            for (int i = 0; i < pods; i++) {
                boolean ts = i < pods / 2;
                targets.put(Cluster.ip(i) + ":" + (ts ? fleet.torchserve : fleet.vllm),
                        ts ? "ts-" + i : "vllm-" + (i - pods / 2));
            }
            try (Prometheus prometheus = new Prometheus(h.dir, targets);
                    Adapter scraping = new Adapter(h.jar, cluster, h.dir, "adapter-scrape", List.of(), Map.of());
                    Adapter querying = new Adapter(h.jar, cluster, h.dir, "adapter-prometheus", List.of(), Map.of(
                            "adapter.source", "prometheus",
                            "adapter.prometheus.url", "http://127.0.0.1:" + prometheus.port,
                            "adapter.prometheus.scrape-interval", "1s"))) {
                String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + Cluster.NAMESPACE
                        + "/pods/*/concurrency?labelSelector=component%3Dpredictor";
                for (Adapter adapter : List.of(scraping, querying)) {
                    adapter.await(pods + " pods in the answer", Duration.ofSeconds(120), () -> {
                        try {
                            return Adapter.values(adapter.get(path)).size() == pods;
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
                say("both answer all %d pods; warming up %s s of load each", pods, h.get("warmup"));
                RateClient.run(scraping.url(path), Cluster.TOKEN, rate, h.integer("warmup"), 10);
                RateClient.run(querying.url(path), Cluster.TOKEN, rate, h.integer("warmup"), 10);

                say("idle: %d s with no requests", seconds);
                Cost idle = Cost.over(seconds, scraping, querying, prometheus, null);
                row("phase", "source", "sent req/s", "p50", "p99", "p99.9", "max", "errors",
                        "adapter CPU s", "Prometheus CPU s", "CPU ms / request (adapter + Prometheus, above idle)");
                row("---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---");
                row("idle", "scrape", "—", "—", "—", "—", "—", "—", f("%.2f", idle.scraping), "—", "—");
                row("idle", "prometheus", "—", "—", "—", "—", "—", "—", f("%.2f", idle.querying),
                        f("%.2f", idle.prometheus), "—");
                for (int round = 1; round <= h.integer("rounds"); round++) {
                    for (Adapter adapter : List.of(scraping, querying)) {
                        boolean scrape = adapter == scraping;
                        RateClient.Result[] result = new RateClient.Result[1];
                        Cost load = Cost.over(seconds, scraping, querying, prometheus, () -> result[0] =
                                RateClient.run(adapter.url(path), Cluster.TOKEN, rate, seconds, 10));
                        RateClient.Result r = result[0];
                        double requests = r.achievedPerSecond() * seconds;
                        double above = scrape ? load.scraping - idle.scraping
                                : (load.querying - idle.querying) + (load.prometheus - idle.prometheus);
                        row("load " + round, scrape ? "scrape" : "prometheus", f("%.0f", r.achievedPerSecond()),
                                f("%.2f ms", r.p50Millis()), f("%.2f ms", r.p99Millis()),
                                f("%.2f ms", r.p999Millis()), f("%.1f ms", r.maxMillis()), r.errors(),
                                f("%.2f", scrape ? load.scraping : load.querying),
                                scrape ? "—" : f("%.2f", load.prometheus), f("%.3f", above / requests * 1000));
                    }
                }
                double queries = querying.selfMetric("adapter_prometheus_queries_total{outcome=\"success\"");
                double shared = querying.selfMetric("adapter_prometheus_queries_shared_total");
                System.out.println();
                System.out.printf("RESULT source: %d pods at %d req/s; the prometheus-mode adapter sent %.0f queries"
                        + " for %.0f requests answered from a query of the same second; adapter scrapes by the"
                        + " prometheus-mode adapter: %s%n", pods, rate, queries, shared,
                        f("%.0f", querying.selfMetric("adapter_scrapes_total{outcome=\"success\"")));
            }
        }
    }

    /** CPU seconds each process used over a phase that runs {@code load}, or sleeps, for {@code seconds}. */
    record Cost(double scraping, double querying, double prometheus) {

        interface Load {
            void run() throws Exception;
        }

        static Cost over(int seconds, Adapter scraping, Adapter querying, Prometheus prometheus, Load load)
                throws Exception {
            ProcStat s0 = scraping.stat();
            ProcStat q0 = querying.stat();
            ProcStat p0 = prometheus.stat();
            if (load == null) {
                Thread.sleep(seconds * 1000L);
            } else {
                load.run();
            }
            return new Cost(scraping.stat().cpuSeconds() - s0.cpuSeconds(),
                    querying.stat().cpuSeconds() - q0.cpuSeconds(), prometheus.stat().cpuSeconds() - p0.cpuSeconds());
        }
    }
}
