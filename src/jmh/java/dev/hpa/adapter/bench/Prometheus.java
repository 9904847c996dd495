package dev.hpa.adapter.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Debian's Prometheus scraping the same pods at the same 1 s interval and 800 ms timeout as the adapter: the
 * reference for benchmark 2. Targets are static; metric_relabel_configs keep only the series the adapter's recipes
 * read, so Prometheus parses every line as the adapter does but stores no more than the adapter keeps. That makes
 * the reference cheaper than a stock set-up, never dearer.
 */
final class Prometheus implements AutoCloseable {

    static final String KEPT = "vllm:num_requests_running|vllm:num_requests_waiting|vllm:request_success_total"
            + "|ts_inference_latency_microseconds|ts_inference_requests_total";

    final Process process;
    final int port;

    Prometheus(Path dir, List<String> targets) throws Exception {
        this(dir, "  - targets: " + quoted(targets) + "\n");
    }

    /**
     * The same, each target labelled with the namespace and name of the pod it stands for, as a PodMonitor labels
     * it: what {@code adapter.source=prometheus} reads.
     *
     * @param pods target address → pod name, all in {@link Cluster#NAMESPACE}
     */
    Prometheus(Path dir, Map<String, String> pods) throws Exception {
        this(dir, labelled(pods));
    }

    private static String quoted(List<String> targets) {
        StringJoiner list = new StringJoiner(", ", "[", "]");
        targets.forEach(t -> list.add("'" + t + "'"));
        return list.toString();
    }

    private static String labelled(Map<String, String> pods) {
        StringBuilder groups = new StringBuilder();
        pods.forEach((target, pod) -> groups.append("  - targets: ['").append(target).append("']\n")
                .append("    labels: {namespace: '").append(Cluster.NAMESPACE).append("', pod: '").append(pod)
                .append("'}\n"));
        return groups.toString();
    }

    private Prometheus(Path dir, String staticConfigs) throws Exception {
        port = Fleet.freePort();
        Path home = Files.createDirectories(dir.resolve("prometheus"));
        Path config = home.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 800ms
                scrape_configs:
                - job_name: fleet
                  metrics_path: /metrics
                  static_configs:
                %s  metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: '%s'
                    action: keep
                """.formatted(staticConfigs, KEPT));
        process = Children.start(List.of("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + home.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"), Map.of(), home.resolve("prometheus.log"));
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Prometheus did not start; see " + home.resolve("prometheus.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    ProcStat stat() {
        return ProcStat.of(process.pid());
    }

    @Override
    public void close() {
        Children.stop(process);
    }
}
