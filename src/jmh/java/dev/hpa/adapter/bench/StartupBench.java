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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark 5: from {@code exec} of the JVM to the first correct answer for a ready pod (its page says 7 requests in
 * flight; the answer must say "7"), polled every 20 ms. Also when the port first answered anything over HTTPS and
 * what Quarkus logged as "started in". Several jars (or JVM option sets) alternate run by run, so a before/after
 * comparison sees the same machine: {@code --jars a.jar,b.jar} and/or {@code --jvm "opts|other opts"}.
 */
public final class StartupBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("startup", args, Map.of("runs", "3", "jars", "", "jvm", ""));
        List<Path> jars = new ArrayList<>();
        for (String jar : h.get("jars").split(",")) {
            if (!jar.isBlank()) {
                jars.add(Path.of(jar).toAbsolutePath());
            }
        }
        if (jars.isEmpty()) {
            jars.add(h.jar);
        }
        List<String> jvms = Arrays.asList(h.get("jvm").split("\\|", -1));
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            fleet.setRunning(7);
            cluster.readyPods("start", 0, 1, fleet.live);
            for (int run = 1; run <= h.integer("runs"); run++) {
                int variant = 0;
                for (Path jar : jars) {
                    for (String jvm : jvms) {
                        variant++;
                        String name = shortName(jar) + (jvm.isBlank() ? "" : " " + jvm.trim());
                        double[] t = once(h, cluster, jar, jvm, "run" + run + "-variant" + variant);
                        results.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
                        say("%s run %d: started in %.2f s (log), first HTTPS answer %.2f s, first correct value"
                                + " %.2f s", name, run, t[0], t[1], t[2]);
                    }
                }
            }
        }
        System.out.println();
        System.out.println("Start-up: exec to first correct pods/*/concurrency answer for one ready pod, median (min–max)");
        row("jar / JVM options", "runs", "\"started in\" (Quarkus log)", "first HTTPS answer", "first correct value");
        row("---", "---", "---", "---", "---");
        String result = "";
        for (var e : results.entrySet()) {
            List<double[]> runs = e.getValue();
            row(e.getKey(), runs.size(), stat(runs, 0), stat(runs, 1), stat(runs, 2));
            double median = Harness.median(runs.stream().map(t -> t[2]).toList());
            result += f("%s: %.2f s (target <= 3 s: %s); ", e.getKey(), median, median <= 3 ? "met" : "MISSED");
        }
        System.out.println();
        System.out.println("RESULT startup: first correct value, median: " + result);
    }

    /** {started-in from the log, first HTTPS response, first correct value}, seconds since exec. */
    private static double[] once(Harness h, Cluster cluster, Path jar, String jvm, String name) throws Exception {
        List<String> options = jvm.isBlank() ? List.of() : Arrays.asList(jvm.trim().split("\\s+"));
        try (Adapter adapter = new Adapter(jar, cluster, h.dir, name, options, Map.of())) {
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
                        return new double[] {startedIn(adapter.log), firstAnswer, now};
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
