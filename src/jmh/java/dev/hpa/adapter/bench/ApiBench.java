package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark 1: the adapter answering {@code pods/*\/concurrency} for a 100-pod selector over HTTPS keep-alive,
 * against nginx serving the same bytes (one real answer, captured) over HTTPS on the same machine.
 *
 * <p>Throughput: wrk, closed loop, alternating nginx and adapter rounds so drifting machine load hits both.
 * Latency: {@link RateClient}, an open-loop 500 req/s over 10 keep-alive connections, latency counted from each
 * request's scheduled time.
 * The load generators run on the same 2 cores as the servers, for both servers alike.
 */
public final class ApiBench {

    public static void main(String[] args) {
        Harness.main(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        Harness h = new Harness("api", args, Map.of("pods", "100", "seconds", "10", "rounds", "2",
                "connections", "32", "rate", "500", "warmup", "30",
                "rate-seconds", "20", "baseline", "", "also-settings", ""));
        int pods = h.integer("pods");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            // Half TorchServe, half vLLM pages: the answer carries both sources.
            cluster.readyPods("api-ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("api-vllm", pods / 2, pods - pods / 2, fleet.vllm);
            // This build; optionally an older jar (--baseline) and this jar with other settings (--also-settings
            // k=v,k=v), each its own process, measured in the same rounds.
            Map<String, Adapter> adapters = new LinkedHashMap<>();
            try {
                // Each in the Deployment's JVM (Serial, 384 MiB heap), the one a pod gets.
                adapters.put("adapter", new Adapter(h.jar, cluster, h.dir, "adapter", ScaleBench.DEPLOYMENT_JVM,
                        Map.of()));
                if (!h.get("baseline").isBlank()) {
                    adapters.put("baseline", new Adapter(Path.of(h.get("baseline")).toAbsolutePath(), cluster,
                            h.dir, "baseline", ScaleBench.DEPLOYMENT_JVM, Map.of()));
                }
                if (!h.get("also-settings").isBlank()) {
                    Map<String, String> settings = new LinkedHashMap<>();
                    for (String kv : h.get("also-settings").split(",")) {
                        settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                    }
                    adapters.put("adapter " + h.get("also-settings"), new Adapter(h.jar, cluster, h.dir,
                            "adapter-also", ScaleBench.DEPLOYMENT_JVM, settings));
                }
                measure(h, pods, adapters);
            } finally {
                for (Adapter adapter : adapters.values()) {
                    adapter.close();
                }
            }
        }
    }

    private static void measure(Harness h, int pods, Map<String, Adapter> adapters) throws Exception {
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + Cluster.NAMESPACE
                + "/pods/*/concurrency?labelSelector=component%3Dpredictor";
        for (Adapter adapter : adapters.values()) {
            adapter.await(pods + " pods in the answer", Duration.ofSeconds(90), () -> {
                try {
                    return Adapter.values(adapter.get(path)).size() == pods;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        HttpResponse<byte[]> answer = adapters.get("adapter").get(path);
        Path www = Files.createDirectories(h.dir.resolve("www"));
        Files.write(www.resolve("answer.json"), answer.body());
        say("captured one answer: %d items, %d bytes -> %s", pods, answer.body().length, www.resolve("answer.json"));
        try (Nginx nginx = new Nginx(h.dir, www.resolve("answer.json"))) {
            Map<String, String> urls = new LinkedHashMap<>();
            urls.put("nginx", "https://127.0.0.1:" + nginx.port + path);
            adapters.forEach((name, adapter) -> urls.put(name, adapter.url(path)));
            // A cold JVM answers at a few % of its warm rate for the first seconds (JIT, first handshakes).
            say("warming up (%s s of wrk each; the JVM compiles its hot paths)", h.get("warmup"));
            for (String url : urls.values()) {
                wrk(h, url, h.get("warmup"));
            }
            Map<String, List<Double>> rps = new LinkedHashMap<>();
            List<String> lines = new ArrayList<>();
            for (int round = 1; round <= h.integer("rounds"); round++) {
                double nginxRps = Double.NaN;
                for (var e : urls.entrySet()) {
                    Wrk w = wrk(h, e.getValue(), h.get("seconds"));
                    nginxRps = e.getKey().equals("nginx") ? w.rps : nginxRps;
                    rps.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(w.rps);
                    lines.add(f("| %d | %s | %.0f | %s / %s | %.2f× |", round, e.getKey(), w.rps, w.p50, w.p99,
                            w.rps / nginxRps));
                    say("round %d: %s %.0f req/s", round, e.getKey(), w.rps);
                }
            }
            int rate = h.integer("rate");
            say("fixed rate: %d req/s open loop over 10 connections, %s s each", rate, h.get("rate-seconds"));
            Map<String, RateClient.Result> fixed = new LinkedHashMap<>();
            for (var e : urls.entrySet()) {
                fixed.put(e.getKey(), RateClient.run(e.getValue(), Cluster.TOKEN, rate, h.integer("rate-seconds"), 10));
            }
            long rss = adapters.get("adapter").stat().rssBytes();

            System.out.println();
            System.out.printf("API: %d-pod answer of %d bytes, HTTPS keep-alive, HTTP/1.1, %s connections%n",
                    pods, answer.body().length, h.get("connections"));
            row("round", "server", "req/s", "p50 / p99", "× nginx");
            row("---", "---", "---", "---", "---");
            lines.forEach(System.out::println);
            System.out.println();
            row("at " + rate + " req/s, open loop", "sent req/s", "p50", "p99", "p99.9", "max", "errors");
            row("---", "---", "---", "---", "---", "---", "---");
            fixed.forEach((name, r) -> row(name, f("%.0f", r.achievedPerSecond()), f("%.2f ms", r.p50Millis()),
                    f("%.2f ms", r.p99Millis()), f("%.2f ms", r.p999Millis()), f("%.1f ms", r.maxMillis()),
                    r.errors()));
            double nginxMedian = Harness.median(rps.get("nginx"));
            String others = "";
            for (var e : rps.entrySet()) {
                if (!e.getKey().equals("nginx") && !e.getKey().equals("adapter")) {
                    others += f("; %s/nginx = %.2f×", e.getKey(), Harness.median(e.getValue()) / nginxMedian);
                }
            }
            double ratio = Harness.median(rps.get("adapter")) / nginxMedian;
            RateClient.Result ah = fixed.get("adapter");
            System.out.println();
            System.out.printf("RESULT api: adapter/nginx requests/s = %.2f× (median of %d rounds; target >= 0.5×: %s)%s;"
                    + " adapter p99 at %d req/s = %s (target <= 5 ms: %s); nginx p99 %s; adapter RSS %d MiB%n",
                    ratio, rps.get("adapter").size(), ratio >= 0.5 ? "met" : "MISSED", others, rate,
                    f("%.2f ms", ah.p99Millis()), ah.p99Millis() <= 5 ? "met" : "MISSED",
                    f("%.2f ms", fixed.get("nginx").p99Millis()), rss >> 20);
        }
    }

    record Wrk(double rps, String p50, String p99) {}

    static Wrk wrk(Harness h, String url, String seconds) {
        String out = Children.run(List.of("wrk", "-t2", "-c" + h.get("connections"), "-d" + seconds + "s",
                "--latency", "-H", "Authorization: Bearer " + Cluster.TOKEN, url), h.dir.resolve("wrk.log"));
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk saw errors from " + url + ":\n" + out);
        }
        return new Wrk(number(out, "Requests/sec:\\s+([0-9.]+)"), text(out, "\\s50%\\s+(\\S+)"),
                text(out, "\\s99%\\s+(\\S+)"));
    }

    static double number(String out, String regex) {
        return Double.parseDouble(text(out, regex));
    }

    static String text(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no /" + regex + "/ in:\n" + out);
        }
        return m.group(1);
    }
}
