package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark 5: from {@code exec} of the JVM to the first correct answer for a ready pod (its page says 7 requests in
 * flight; the answer must say "7"), polled every 20 ms. Also when the port first answered anything over HTTPS and
 * what Quarkus logged as "started in", and the CPU the kernel charged the adapter until that answer (beside the
 * wall time it says whether start-up waited for the 2 cores or for something else). Every run has the Deployment's
 * JVM ({@link ScaleBench#DEPLOYMENT_JVM}: the heap and the Serial collector a container under 1,792 MiB gets), plus
 * the variant's options. Several jars (or JVM option sets) alternate run by run, so a before/after comparison sees
 * the same machine: {@code --jars a.jar,b.jar} and/or {@code --jvm "opts|other opts"}.
 */
public final class StartupBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("startup", args, Map.of("runs", "3", "jars", "", "jvm", "", "java", "", "aot", "false"));
        List<Path> jars = new ArrayList<>();
        for (String jar : h.get("jars").split(",")) {
            if (!jar.isBlank()) {
                jars.add(Path.of(jar).toAbsolutePath());
            }
        }
        if (jars.isEmpty()) {
            jars.add(h.jar);
        }
        List<Path> javas = new ArrayList<>();
        for (String home : h.get("java").split(",")) {
            javas.add(home.isBlank() ? Path.of(System.getProperty("java.home")) : Path.of(home));
        }
        List<String> jvms = Arrays.asList(h.get("jvm").split("\\|", -1));
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            fleet.setRunning(7);
            cluster.readyPods("start", 0, 1, fleet.live);
            List<Variant> variants = new ArrayList<>();
            for (Path java : javas) {
                for (Path jar : jars) {
                    for (String jvm : jvms) {
                        variants.add(new Variant(java, jar, options(jvm)));
                    }
                    if (h.get("aot").equals("true") && featureVersion(java) >= 24) {
                        variants.add(new Variant(java, jar, List.of("-XX:AOTCache=" + train(h, cluster, java, jar))));
                    }
                }
            }
            for (int run = 1; run <= h.integer("runs"); run++) {
                for (int v = 0; v < variants.size(); v++) {
                    Variant variant = variants.get(v);
                    double[] t = once(h, cluster, variant, "run" + run + "-variant" + (v + 1));
                    results.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(t);
                    say("%s run %d: started in %.2f s (log), first HTTPS answer %.2f s, first correct value"
                            + " %.2f s after %.2f CPU s", variant.name(), run, t[0], t[1], t[2], t[3]);
                }
            }
        }
        System.out.println();
        System.out.println("Start-up: exec to first correct pods/*/concurrency answer for one ready pod,"
                + " median (min–max); every run with " + String.join(" ", ScaleBench.DEPLOYMENT_JVM) + " (the Deployment's JVM)");
        row("JDK, jar, JVM options", "runs", "\"started in\" (Quarkus log)", "first HTTPS answer",
                "first correct value", "CPU until then");
        row("---", "---", "---", "---", "---", "---");
        String result = "";
        for (var e : results.entrySet()) {
            List<double[]> runs = e.getValue();
            row(e.getKey(), runs.size(), stat(runs, 0), stat(runs, 1), stat(runs, 2), stat(runs, 3));
            double median = Harness.median(runs.stream().map(t -> t[2]).toList());
            result += f("%s: %.2f s (target <= 3 s: %s); ", e.getKey(), median, median <= 3 ? "met" : "MISSED");
        }
        System.out.println();
        System.out.println("RESULT startup: first correct value, median: " + result);
    }

    /** One way of starting the adapter: which JVM, which jar, which JVM options. */
    private record Variant(Path java, Path jar, List<String> jvm) {
        String name() {
            String options = String.join(" ", jvm).replaceAll("=\\S*/", "=…/");
            return "JDK " + featureVersion(java) + " " + shortName(jar) + (options.isEmpty() ? "" : " " + options);
        }
    }

    /**
     * The training run of JEP 483's AOT cache (JDK 24+, one step since JDK 25's JEP 514): the adapter starts with
     * {@code -XX:AOTCacheOutput}, answers the same request the measured runs wait for plus a few more (so the
     * classes of the first request's path are in the cache, not just those of start-up), and writes the cache at
     * exit. The cache belongs to that JVM build and that class path, as the image would ship it.
     */
    private static Path train(Harness h, Cluster cluster, Path java, Path jar) throws Exception {
        Path cache = h.dir.resolve("adapter-jdk" + featureVersion(java) + ".aot");
        Files.deleteIfExists(cache);
        long started = System.nanoTime();
        Adapter adapter = new Adapter(java, jar, cluster, h.dir, "aot-training-jdk" + featureVersion(java),
                concat(ScaleBench.DEPLOYMENT_JVM, "-XX:AOTCacheOutput=" + cache), Map.of());
        try {
            adapter.await("a correct answer in the training run", Duration.ofSeconds(120), () -> correct(adapter));
            for (int i = 0; i < 50; i++) {
                adapter.get(Adapter.podsPath("concurrency", "start"));
                adapter.get("/apis/custom.metrics.k8s.io/v1beta2");
            }
        } finally {
            adapter.process.destroy(); // SIGTERM: the JVM exits normally and writes the cache (in a child JVM)
            if (!adapter.process.waitFor(180, TimeUnit.SECONDS)) {
                adapter.process.destroyForcibly();
            }
        }
        if (!Files.isRegularFile(cache)) {
            throw new IllegalStateException("the training run wrote no AOT cache " + cache + "; log " + adapter.log
                    + ":\n" + adapter.tail());
        }
        say("AOT cache for JDK %d: %s, %d MiB, training run %.1f s", featureVersion(java), cache,
                Files.size(cache) >> 20, (System.nanoTime() - started) / 1e9);
        return cache;
    }

    private static boolean correct(Adapter adapter) {
        try {
            Double value = Adapter.values(adapter.get(Adapter.podsPath("concurrency", "start"))).get("start-0");
            return value != null && Math.abs(value - 7) < 1e-9;
        } catch (IOException notListening) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<String> concat(List<String> first, String... then) {
        List<String> all = new ArrayList<>(first);
        all.addAll(Arrays.asList(then));
        return all;
    }

    private static List<String> options(String jvm) {
        return jvm.isBlank() ? List.of() : Arrays.asList(jvm.trim().split("\\s+"));
    }

    /** The JDK's feature version from its {@code release} file (JAVA_VERSION="25.0.1"). */
    private static int featureVersion(Path java) {
        try {
            Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(java.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : Runtime.version().feature();
        } catch (IOException e) {
            return Runtime.version().feature();
        }
    }

    /**
     * {started-in from the log, first HTTPS response, first correct value}, seconds since exec, and the adapter's
     * CPU seconds (all threads: JIT, GC, class loading) until that value.
     */
    private static double[] once(Harness h, Cluster cluster, Variant variant, String name) throws Exception {
        try (Adapter adapter = new Adapter(variant.java(), variant.jar(), cluster, h.dir, name,
                concat(ScaleBench.DEPLOYMENT_JVM, variant.jvm().toArray(String[]::new)), Map.of())) {
            double firstAnswer = Double.NaN;
            long deadline = adapter.startedNanos + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    var response = adapter.get(Adapter.podsPath("concurrency", "start"));
                    double now = (System.nanoTime() - adapter.startedNanos) / 1e9;
                    if (Double.isNaN(firstAnswer)) {
                        firstAnswer = now;
                    }
                    Double value = Adapter.values(response).get("start-0");
                    if (value != null && Math.abs(value - 7) < 1e-9) {
                        double cpu = ProcStat.of(adapter.process.pid()).cpuSeconds();
                        return new double[] {startedIn(adapter.log), firstAnswer, now, cpu};
                    }
                } catch (IOException notListening) {
                    if (!adapter.process.isAlive()) {
                        throw new IllegalStateException("the adapter exited; log " + adapter.log + ":\n"
                                + adapter.tail());
                    }
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("no correct answer within 60 s; log " + adapter.log + ":\n" + adapter.tail());
        }
    }

    private static double startedIn(Path log) throws IOException {
        Matcher m = Pattern.compile("started in ([0-9.]+)s").matcher(Files.readString(log));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static String shortName(Path jar) {
        Path app = jar.getParent();
        return app != null && app.getParent() != null ? app.getParent().getFileName() + "/…/" + jar.getFileName()
                : jar.toString();
    }

    private static String stat(List<double[]> runs, int column) {
        List<Double> values = runs.stream().map(t -> t[column]).sorted().toList();
        return f("%.2f s (%.2f–%.2f)", Harness.median(values), values.get(0), values.get(values.size() - 1));
    }
}
