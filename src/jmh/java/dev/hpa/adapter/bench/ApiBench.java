package dev.hpa.adapter.bench;

import static dev.hpa.adapter.bench.Harness.f;
import static dev.hpa.adapter.bench.Harness.row;
import static dev.hpa.adapter.bench.Harness.say;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
                "rate-seconds", "20"));
        int pods = h.integer("pods");
        try (Cluster cluster = new Cluster(h.dir); Fleet fleet = new Fleet()) {
            // Half TorchServe, half vLLM pages: the answer carries both sources.
            cluster.readyPods("api-ts", 0, pods / 2, fleet.torchserve);
            cluster.readyPods("api-vllm", pods / 2, pods - pods / 2, fleet.vllm);
            try (Adapter adapter = new Adapter(h.jar, cluster, h.dir, "adapter", List.of(), Map.of())) {
                String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + Cluster.NAMESPACE
                        + "/pods/*/concurrency?labelSelector=component%3Dpredictor";
                adapter.await(pods + " pods in the answer", Duration.ofSeconds(90), () -> {
                    try {
                        return Adapter.values(adapter.get(path)).size() == pods;
                    } catch (Exception e) {
                        return false;
                    }
                });
                HttpResponse<byte[]> answer = adapter.get(path);
                Path www = Files.createDirectories(h.dir.resolve("www"));
                Files.write(www.resolve("answer.json"), answer.body());
                say("captured one answer: %d items, %d bytes -> %s", pods, answer.body().length,
                        www.resolve("answer.json"));
                try (Nginx nginx = new Nginx(h.dir, www.resolve("answer.json"))) {
                    String adapterUrl = adapter.url(path);
                    String nginxUrl = "https://127.0.0.1:" + nginx.port + path;
                    // A cold JVM answers at a few % of its warm rate for the first seconds (JIT, first handshakes).
                    String warm = h.get("warmup");
                    say("warming both up (%s s of wrk each; the JVM compiles its hot paths)", warm);
                    wrk(h, nginxUrl, warm);
                    wrk(h, adapterUrl, warm);
                    List<Double> nginxRps = new ArrayList<>();
                    List<Double> adapterRps = new ArrayList<>();
                    List<String> lines = new ArrayList<>();
                    for (int round = 1; round <= h.integer("rounds"); round++) {
                        Wrk n = wrk(h, nginxUrl, h.get("seconds"));
                        Wrk a = wrk(h, adapterUrl, h.get("seconds"));
                        nginxRps.add(n.rps);
                        adapterRps.add(a.rps);
                        lines.add(f("| %d | %.0f | %s / %s | %.0f | %s / %s | %.2f× |", round, n.rps, n.p50, n.p99,
                                a.rps, a.p50, a.p99, a.rps / n.rps));
                        say("round %d: nginx %.0f req/s, adapter %.0f req/s", round, n.rps, a.rps);
                    }
                    int rate = h.integer("rate");
                    say("fixed rate: %d req/s open loop over 10 connections, %s s each", rate, h.get("rate-seconds"));
                    RateClient.Result nh = RateClient.run(nginxUrl, Cluster.TOKEN, rate, h.integer("rate-seconds"), 10);
                    RateClient.Result ah = RateClient.run(adapterUrl, Cluster.TOKEN, rate, h.integer("rate-seconds"),
                            10);
                    long before = adapter.stat().rssBytes();

                    System.out.println();
                    System.out.printf("API: %d-pod answer of %d bytes, HTTPS keep-alive, HTTP/1.1, %s connections%n",
                            pods, answer.body().length, h.get("connections"));
                    row("round", "nginx req/s", "nginx p50 / p99", "adapter req/s", "adapter p50 / p99",
                            "adapter / nginx");
                    row("---", "---", "---", "---", "---", "---");
                    lines.forEach(System.out::println);
                    double ratio = Harness.median(adapterRps) / Harness.median(nginxRps);
                    System.out.println();
                    row("at " + rate + " req/s, open loop", "sent req/s", "p50", "p99", "p99.9", "max", "errors");
                    row("---", "---", "---", "---", "---", "---", "---");
                    for (var e : new java.util.TreeMap<>(Map.of("nginx", nh, "adapter", ah)).descendingMap().entrySet()) {
                        RateClient.Result r = e.getValue();
                        row(e.getKey(), f("%.0f", r.achievedPerSecond()), f("%.2f ms", r.p50Millis()),
                                f("%.2f ms", r.p99Millis()), f("%.2f ms", r.p999Millis()), f("%.1f ms", r.maxMillis()),
                                r.errors());
                    }
                    System.out.println();
                    System.out.printf("RESULT api: adapter/nginx requests/s = %.2f× (median of %d rounds; target"
                            + " >= 0.5×: %s); adapter p99 at 500 req/s = %s (target <= 5 ms: %s); nginx p99 %s;"
                            + " adapter RSS %d MiB%n", ratio, adapterRps.size(), ratio >= 0.5 ? "met" : "MISSED",
                            f("%.2f ms", ah.p99Millis()), ah.p99Millis() <= 5 ? "met" : "MISSED",
                            f("%.2f ms", nh.p99Millis()), before >> 20);
                }
            }
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
