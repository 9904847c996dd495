package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Benchmark 6, soak: the adapter in a JVM sized like the Deployment's, scraping hundreds of pods at its default
 * interval and answering a steady open-loop load over HTTPS for many minutes. Every sample (15 s by default) takes
 * the heap right after a full collection (jcmd GC.run, GC.heap_info), RSS, threads and file descriptors from /proc,
 * and the latency percentiles of the requests of that interval. What must hold: the heap after GC, threads and file
 * descriptors stay flat, so nothing is kept per scrape or per request.
 */
public final class SoakBench {

    /** Pods per InferenceService: each request asks for one service's pods, as one HPA does. */
    private static final int PODS_PER_SERVICE = 10;

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("soak", args, Map.of("pods", "300", "rate", "300", "minutes", "10", "sample", "15",
                "connections", "10", "warmup", "30"));
        int pods = h.integer("pods");
        int rate = h.integer("rate");
        List<String> csv = new ArrayList<>(List.of(
                "# seconds heap_after_gc_mib rss_mib threads fds p50_ms p99_ms requests errors"));
        List<double[]> samples = new ArrayList<>(); // seconds, heap, rss, threads, fds
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            List<String> services = new ArrayList<>();
            for (int first = 0; first < pods; first += PODS_PER_SERVICE) {
                String isvc = (first / PODS_PER_SERVICE % 2 == 0 ? "soak-ts-" : "soak-vllm-") + first;
                int count = Math.min(PODS_PER_SERVICE, pods - first);
                cluster.readyPods(isvc, first, count, isvc.startsWith("soak-ts") ? fleet.torchserve : fleet.vllm);
                services.add(isvc);
            }
            try (Adapter adapter = new Adapter(h.jar, cluster, h.dir, "adapter", ScaleBench.DEPLOYMENT_JVM, Map.of())) {
                adapter.await("all " + pods + " pods scraped", Duration.ofSeconds(180), () -> {
                    try {
                        return adapter.selfMetric("adapter_pods_scraped") >= pods;
                    } catch (Exception notYet) {
                        return false;
                    }
                });
                // Both metrics of every service in turn: each answer reads one service's 10 windows.
                List<String> urls = new ArrayList<>();
                for (String isvc : services) {
                    urls.add(adapter.url(Adapter.podsPath("concurrency", isvc)));
                    urls.add(adapter.url(Adapter.podsPath("rps", isvc)));
                }
                say("%d pods scraped; %d req/s over %s connections for %s min, a sample every %s s after %s s of"
                        + " warm-up", pods, rate, h.get("connections"), h.get("minutes"), h.get("sample"),
                        h.get("warmup"));
                try (SteadyLoad load = new SteadyLoad(urls, Cluster.TOKEN, rate, h.integer("connections"))) {
                    Thread.sleep(h.integer("warmup") * 1000L);
                    load.interval(); // the warm-up's requests (handshakes, JIT) are not counted
                    long start = System.nanoTime();
                    long end = start + Duration.ofMinutes(h.integer("minutes")).toNanos();
                    long sampleNanos = Duration.ofSeconds(h.integer("sample")).toNanos();
                    System.out.println();
                    row("time", "heap after GC MiB", "RSS MiB", "threads", "fds", "p50 ms", "p99 ms", "requests",
                            "errors");
                    row("---", "---", "---", "---", "---", "---", "---", "---", "---");
                    for (long next = start + sampleNanos; next <= end; next += sampleNanos) {
                        Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                        SteadyLoad.Interval slice = load.interval();
                        double heap = adapter.liveHeapBytes() / 1048576.0;
                        double rss = adapter.stat().rssBytes() / 1048576.0;
                        int threads = threads(adapter.pid());
                        int fds = fds(adapter.pid());
                        double seconds = (System.nanoTime() - start) / 1e9;
                        samples.add(new double[] {seconds, heap, rss, threads, fds});
                        csv.add(f("%.0f %.2f %.1f %d %d %.2f %.2f %d %d", seconds, heap, rss, threads, fds,
                                slice.p50Millis(), slice.p99Millis(), slice.requests(), slice.errors()));
                        row(f("%d:%02d", (long) seconds / 60, (long) seconds % 60), f("%.1f", heap), f("%.0f", rss),
                                threads, fds, f("%.2f", slice.p50Millis()), f("%.2f", slice.p99Millis()),
                                slice.requests(), slice.errors());
                    }
                }
                double[] why = adapter.selfMetrics("adapter_scrapes_total{outcome=\"success\"", "adapter_scrapes_total");
                say("scrapes since start: %.0f, of which failed or skipped %.0f", why[1], why[1] - why[0]);
            }
        }
        Files.write(h.dir.resolve("soak.csv"), csv);
        summary(samples, h.dir.resolve("soak.csv"));
    }

    /**
     * Growth is the least-squares slope over the run times its length; noise is the residuals' standard deviation.
     * Flat: the heap grew by less than twice its noise, or by less than 1 MiB; threads and fds end where they began.
     */
    private static void summary(List<double[]> samples, Path csv) {
        if (samples.size() < 3) {
            throw new IllegalStateException("too few samples for a trend: " + samples.size());
        }
        double[] heap = trend(samples, 1);
        double[] rss = trend(samples, 2);
        double span = samples.get(samples.size() - 1)[0] - samples.get(0)[0];
        double heapGrowth = heap[0] * span;
        boolean heapFlat = heapGrowth < Math.max(1.0, 2 * heap[1]);
        double[] first = samples.get(0);
        double[] last = samples.get(samples.size() - 1);
        double maxThreads = samples.stream().mapToDouble(s -> s[3]).max().orElseThrow();
        double maxFds = samples.stream().mapToDouble(s -> s[4]).max().orElseThrow();
        boolean steady = last[3] <= first[3] + 2 && last[4] <= first[4] + 2;
        System.out.println();
        System.out.printf("RESULT soak: %d samples over %.1f min; heap after GC %.1f → %.1f MiB, trend %+.2f MiB over the"
                + " run (%+.1f MiB/h), noise ±%.2f MiB: %s; RSS %.0f → %.0f MiB (trend %+.1f MiB/h); threads %.0f → %.0f"
                + " (max %.0f), fds %.0f → %.0f (max %.0f): %s; table in %s%n", samples.size(), span / 60, first[1],
                last[1], heapGrowth, heap[0] * 3600, heap[1], heapFlat ? "flat" : "GROWING", first[2], last[2],
                rss[0] * 3600, first[3], last[3], maxThreads, first[4], last[4], maxFds,
                steady ? "steady" : "GROWING", csv);
    }

    /** {slope per second, standard deviation of the residuals} of column {@code y} against column 0. */
    private static double[] trend(List<double[]> samples, int y) {
        int n = samples.size();
        double mx = samples.stream().mapToDouble(s -> s[0]).average().orElseThrow();
        double my = samples.stream().mapToDouble(s -> s[y]).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (double[] s : samples) {
            sxy += (s[0] - mx) * (s[y] - my);
            sxx += (s[0] - mx) * (s[0] - mx);
        }
        double slope = sxy / sxx;
        double squares = 0;
        for (double[] s : samples) {
            double residual = s[y] - (my + slope * (s[0] - mx));
            squares += residual * residual;
        }
        return new double[] {slope, Math.sqrt(squares / (n - 2))};
    }

    private static int threads(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IllegalStateException("no Threads: in /proc/" + pid + "/status");
    }

    private static int fds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        }
    }
}
