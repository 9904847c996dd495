package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 3: how the adapter's cost grows with the pods it tracks, 100 → 1,000 → 10,000 by default, each at a
 * 1 s interval, in a JVM sized like the Deployment's (512 MiB limit, heap at 75 %). For each size a fresh adapter
 * starts, reaches all pods, warms up, and is measured: CPU cores (from /proc), resident memory, scrapes answered
 * per second (counted by the fleet) and scrapes the adapter failed or skipped. The fleet is one Vert.x server in
 * this JVM (three sockets, whatever the pod count); on 2 cores it competes with the adapter for CPU.
 *
 * <p>With {@code --baseline OLDER.jar}, at each size that build runs first and then this one, one at a time (each
 * needs the machine), so the two alternate within one session and see the same machine's load.
 */
public final class ScaleBench {

    /**
     * The JVM of the Deployment at the sizing target: a 512 MiB memory limit (the Deployment's own is 768 MiB),
     * heap at 75 % of it; the JVM sees the limit through MaxRAM here. In a container under 1,792 MiB (either of
     * those) the JVM is no "server-class machine" and picks the Serial collector itself; MaxRAM does not enter
     * that choice, so on this 24 GiB machine it would pick G1, whose write barriers and card refinement cost a
     * fifth more CPU at 10,000 pods: named here so that the benchmark runs the collector the Deployment gets.
     */
    static final List<String> DEPLOYMENT_JVM = List.of("-XX:MaxRAM=512m", "-XX:MaxRAMPercentage=75",
            "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("scale", args, Map.of("pods", "100,1000,10000", "warmup", "20", "seconds", "30",
                "settings", "", "baseline", "", "jvm", "", "baseline-jvm", ""));
        // Adapter configuration to try, e.g. --settings adapter.scrape.max-concurrent=1024
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (String pair : h.get("settings").split(",")) {
            if (pair.contains("=")) {
                settings.put(pair.substring(0, pair.indexOf('=')).trim(), pair.substring(pair.indexOf('=') + 1).trim());
            }
        }
        List<String> csv = new ArrayList<>(List.of("# pods cpu_cores rss_mib scrapes_per_s failed_or_skipped live_heap_mib"));
        List<String> rows = new ArrayList<>();
        Map<String, java.nio.file.Path> builds = new java.util.LinkedHashMap<>();
        if (!h.get("baseline").isBlank()) {
            builds.put("baseline", java.nio.file.Path.of(h.get("baseline")).toAbsolutePath());
        }
        builds.put("adapter", h.jar);
        Map<String, double[]> firstSize = new java.util.HashMap<>(); // build → {pods, live heap MiB} at the first size
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            int created = 0;
            for (int pods : h.integers("pods")) {
                // Pods alternate TorchServe and vLLM pages in blocks; each step adds to the pods of the last.
                say("creating pods %d..%d", created, pods - 1);
                int half = (pods - created) / 2;
                cluster.readyPods("ts-" + pods, created, half, fleet.torchserve);
                cluster.readyPods("vllm-" + pods, created + half, pods - created - half, fleet.vllm);
                created = pods;
                for (var build : builds.entrySet()) {
                    String name = build.getKey();
                    List<String> jvm = new ArrayList<>(DEPLOYMENT_JVM);
                    jvm.addAll(h.words(name.equals("baseline") ? "baseline-jvm" : "jvm"));
                    try (Adapter adapter = new Adapter(build.getValue(), cluster, h.dir, name + "-" + pods,
                            jvm, settings)) {
                        adapter.await("all " + pods + " pods scraped", Duration.ofSeconds(180), () -> {
                            try {
                                return adapter.selfMetric("adapter_pods_scraped") >= pods;
                            } catch (Exception notYet) {
                                return false;
                            }
                        });
                        say("%d pods: all scraped; warming up %s s", pods, h.get("warmup"));
                        Thread.sleep(h.integer("warmup") * 1000L);
                        double lostBefore = lost(adapter);
                        long scrapesBefore = fleet.adapterScrapes.sum();
                        ProcStat before = adapter.stat();
                        long start = System.nanoTime();
                        long maxRss = 0;
                        for (int s = 0; s < h.integer("seconds"); s++) {
                            Thread.sleep(1000);
                            maxRss = Math.max(maxRss, adapter.stat().rssBytes());
                        }
                        ProcStat after = adapter.stat();
                        long live = adapter.liveHeapBytes();
                        // What the live heap holds, for whoever wants to make a pod cheaper.
                        Children.run(List.of(
                                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                                Long.toString(adapter.pid()), "GC.class_histogram"),
                                h.dir.resolve("histogram-" + name + "-" + pods + ".txt"));
                        double seconds = (System.nanoTime() - start) / 1e9;
                        double cores = (after.cpuSeconds() - before.cpuSeconds()) / seconds;
                        double rate = (fleet.adapterScrapes.sum() - scrapesBefore) / seconds;
                        double lost = lost(adapter) - lostBefore;
                        double rssMiB = maxRss / 1048576.0;
                        double liveMiB = live / 1048576.0;
                        double[] first = firstSize.computeIfAbsent(name, k -> new double[] {pods, liveMiB});
                        String perPod = pods == (int) first[0] ? "—"
                                : f("%.1f KiB", (liveMiB - first[1]) * 1024 / (pods - first[0]));
                        rows.add(f("| %s | %,d | %.3f | %.0f | %.0f | %s | %.0f (%.1f %%) | %.0f |", name, pods, cores,
                                rssMiB, liveMiB, perPod, rate, 100 * rate / pods, lost));
                        if (name.equals("adapter")) {
                            csv.add(f("%d %.4f %.1f %.1f %.0f %.1f", pods, cores, rssMiB, rate, lost, liveMiB));
                        }
                        double[] why = adapter.selfMetrics("adapter_scrapes_total{outcome=\"skipped_busy\"",
                                "adapter_scrapes_total{outcome=\"skipped_overlap\"",
                                "adapter_scrapes_total{outcome=\"timeout\"",
                                "adapter_scrapes_total{outcome=\"connect_error\"");
                        say("%s, %d pods: %.3f cores, %.0f MiB RSS, %.0f MiB live heap, %.0f scrapes/s; since start:"
                                + " skipped (max-concurrent) %.0f, skipped (overlap) %.0f, timeouts %.0f,"
                                + " connect errors %.0f",
                                name, pods, cores, rssMiB, liveMiB, rate, why[0], why[1], why[2], why[3]);
                    }
                }
            }
        }
        Files.write(h.dir.resolve("scale.csv"), csv);
        System.out.println();
        System.out.println("Scale: 1 s interval, JVM with -XX:MaxRAM=512m -XX:MaxRAMPercentage=75 (the Deployment)"
                + (settings.isEmpty() ? "" : ", " + settings));
        row("build", "pods", "CPU cores", "RSS MiB (max)", "live heap MiB (after full GC)", "live heap per added pod",
                "scrapes/s (of pods)", "failed or skipped scrapes");
        row("---", "---", "---", "---", "---", "---", "---", "---");
        rows.forEach(System.out::println);
        System.out.println();
        String[] last = csv.get(csv.size() - 1).split(" ");
        int pods = Integer.parseInt(last[0]);
        double cores = Double.parseDouble(last[1]);
        double rss = Double.parseDouble(last[2]);
        double rate = Double.parseDouble(last[3]);
        // "Tracked" means scraped on time: 99 % of the pods' scrapes answered, within the CPU and memory limits.
        boolean met = cores <= 1.0 && rss <= 512 && rate >= 0.99 * pods;
        System.out.printf("RESULT scale: %,d pods at 1 s: %.2f cores (limit 1), %.0f MiB RSS (limit 512), %.1f %%"
                + " of scrapes answered (target 10,000 pods within 1 core and 512 MiB: %s); table in %s%n", pods,
                cores, rss, 100 * rate / pods, met ? "met" : "MISSED", h.dir.resolve("scale.csv"));
    }

    /** Scrapes the adapter failed or skipped since it started (its own counters). */
    private static double lost(Adapter adapter) throws Exception {
        double[] sums = adapter.selfMetrics("adapter_scrapes_total", "adapter_scrapes_total{outcome=\"success\"");
        return sums[0] - sums[1];
    }
}
