package dev.hpa.adapter.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's {@code prometheus} package) on a free local port, scraping the stand-in pods every
 * second. Targets come from a file_sd file that {@link #scrape} rewrites (Prometheus watches it), each labelled
 * with the namespace and pod name a PodMonitor would give it. Stand-in kubelets ({@link #scrapeKubelet}) are
 * scraped at {@code /metrics/cadvisor} the way kube-prometheus-stack's kubelet ServiceMonitor does it. Its TSDB
 * lives under {@code target/}.
 */
public final class PrometheusServer implements AutoCloseable {

    /** Where Debian installs it; else the PATH. */
    private static final List<String> BINARIES = List.of("/usr/bin/prometheus", "prometheus");

    private final Process process;
    private final Path home;
    private final int port;
    private final Map<String, String> targets = new ConcurrentHashMap<>();
    private final Map<String, String> kubelets = new ConcurrentHashMap<>();

    private PrometheusServer(Process process, Path home, int port) {
        this.process = process;
        this.home = home;
        this.port = port;
    }

    /**
     * Starts one and waits until it is ready.
     *
     * @throws Unavailable when there is no prometheus binary or it does not become ready: the message says why
     */
    public static PrometheusServer start() throws Unavailable {
        String binary = BINARIES.stream().filter(b -> b.startsWith("/") ? Files.isExecutable(Path.of(b))
                : onPath(b)).findFirst().orElseThrow(() -> new Unavailable("no prometheus binary ("
                        + "apt-get install -y prometheus): the tests of adapter.source=prometheus are skipped"));
        try {
            Path home = Files.createDirectories(Path.of("target", "prometheus"))
                    .resolve("run-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            Files.createDirectories(home);
            Files.writeString(home.resolve("targets.json"), "[]");
            Files.writeString(home.resolve("kubelets.json"), "[]");
            Path kubeletCa = ServingCertificateResource.KUBELET_CA.writeCertificate(home.resolve("kubelet-ca.crt"));
            Path kubeletToken = Files.writeString(home.resolve("kubelet-token"), FakeKubelet.TOKEN);
            // The kubelet job is kube-prometheus-stack's kubelet ServiceMonitor (the cAdvisor endpoint) in plain
            // Prometheus: HTTPS with the service-account token, and honor_labels, because its targets come from the
            // kubelet Service's endpoints and carry namespace="kube-system"; without it the page's own namespace and
            // pod labels would land in exported_namespace and exported_pod, and no per-pod query would find them.
            // (kube-prometheus-stack skips verifying the kubelets' certificates; this verifies them against their CA.)
            Files.writeString(home.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 800ms
                    scrape_configs:
                    - job_name: pods
                      file_sd_configs:
                      - files: ['%s']
                        refresh_interval: 1s
                    - job_name: kubelet
                      honor_labels: true
                      honor_timestamps: true
                      metrics_path: /metrics/cadvisor
                      scheme: https
                      authorization:
                        credentials_file: '%s'
                      tls_config:
                        ca_file: '%s'
                      file_sd_configs:
                      - files: ['%s']
                        refresh_interval: 1s
                      relabel_configs:
                      - source_labels: [__metrics_path__]
                        target_label: metrics_path
                    """.formatted(home.resolve("targets.json").toAbsolutePath(), kubeletToken.toAbsolutePath(),
                    kubeletCa.toAbsolutePath(), home.resolve("kubelets.json").toAbsolutePath()));
            int port = freePort();
            Process process = new ProcessBuilder(binary, "--config.file=" + home.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + home.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(home.resolve("prometheus.log").toFile()).start();
            PrometheusServer server = new PrometheusServer(process, home, port);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new Unavailable("prometheus cannot start: " + e.getMessage());
        }
    }

    private void awaitReady() throws Unavailable {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new Unavailable("prometheus exited with " + process.exitValue() + " at start-up; see "
                        + home.resolve("prometheus.log").toAbsolutePath());
            }
            try {
                HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep(100);
        }
        close();
        throw new Unavailable("prometheus was not ready within 30 s; see " + home.resolve("prometheus.log")
                .toAbsolutePath());
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Scrape the pod's page on 127.0.0.1:{@code port}, labelled as that pod; replaces its earlier target. */
    public synchronized void scrape(String namespace, String pod, int port) {
        targets.put(namespace + "/" + pod, """
                {"targets": ["127.0.0.1:%d"], "labels": {"namespace": "%s", "pod": "%s"}}""".formatted(port,
                namespace, pod));
        write("targets.json", targets);
    }

    /**
     * Scrape a kubelet's {@code /metrics/cadvisor} on 127.0.0.1:{@code port}, with the labels the ServiceMonitor's
     * endpoints give it: the kubelet Service's namespace and name, and the node.
     */
    public synchronized void scrapeKubelet(String node, int port) {
        kubelets.put(node, """
                {"targets": ["127.0.0.1:%d"], "labels": {"namespace": "kube-system", "service": "kubelet", \
                "endpoint": "https-metrics", "node": "%s"}}""".formatted(port, node));
        write("kubelets.json", kubelets);
    }

    private void write(String file, Map<String, String> entries) {
        StringJoiner all = new StringJoiner(",\n", "[\n", "\n]");
        entries.values().forEach(all::add);
        try {
            // file_sd may read a half-written file; a rename is atomic.
            Path next = home.resolve(file + ".tmp");
            Files.writeString(next, all.toString());
            Files.move(next, home.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static boolean onPath(String name) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(":")).stream()
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Prometheus cannot run here; the message is what a skipped test says. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }
}
