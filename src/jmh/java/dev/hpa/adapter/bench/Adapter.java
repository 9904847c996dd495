package dev.hpa.adapter.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The production jar ({@code quarkus-run.jar}, as built by {@code ./mvnw package}) as a child process against
 * the mock cluster, with its own ports, plus an HTTPS client that calls it as the bench user would.
 */
final class Adapter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The self-signed certificate names the host, not necessarily 127.0.0.1; numbers are what we check here.
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    }

    final Process process;
    final int port;
    final int managementPort;
    final Path log;
    final long startedNanos;
    private final HttpClient http;

    /**
     * @param jvm JVM options (heap, logging) before {@code -jar}
     * @param settings {@code -Dkey=value} configuration of the adapter, on top of the harness's own
     */
    Adapter(Path jar, Cluster cluster, Path dir, String name, List<String> jvm, Map<String, String> settings) {
        this(Path.of(System.getProperty("java.home")), jar, cluster, dir, name, jvm, settings);
    }

    /** @param javaHome the JDK or JRE that runs the jar (the harness's own by default) */
    Adapter(Path javaHome, Path jar, Cluster cluster, Path dir, String name, List<String> jvm,
            Map<String, String> settings) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with"
                    + " ./mvnw -B -o -Dbuild.dir=target-bench-app package -DskipTests");
        }
        port = Fleet.freePort();
        managementPort = Fleet.freePort();
        log = dir.resolve(name + ".log");
        Map<String, String> all = new LinkedHashMap<>();
        all.put("adapter.secure-port", String.valueOf(port));
        all.put("quarkus.http.host", "127.0.0.1");
        all.put("quarkus.http.port", String.valueOf(Fleet.freePort()));
        all.put("quarkus.management.port", String.valueOf(managementPort));
        all.put("quarkus.management.host", "127.0.0.1");
        all.put("adapter.pods.namespaces", Cluster.NAMESPACE);
        // The harness reads the counters without a token (the adapter's default asks for get on /metrics).
        all.put("adapter.self-metrics.unauthenticated", "true");
        // No Service to leave: stopping need not wait the 10 s during which a pod's endpoints converge.
        all.put("quarkus.shutdown.delay", "0s");
        all.putAll(cluster.inPodSettings());
        all.putAll(settings);
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin/java").toString());
        command.addAll(jvm);
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        startedNanos = System.nanoTime();
        process = Children.start(command, cluster.inPod, log);
        http = trustingClient();
    }

    long pid() {
        return process.pid();
    }

    ProcStat stat() {
        return ProcStat.of(pid());
    }

    static String podsPath(String metric, String isvc) {
        return "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + Cluster.NAMESPACE + "/pods/*/" + metric
                + "?labelSelector=" + Cluster.ISVC_LABEL + "%3D" + isvc;
    }

    String url(String path) {
        return "https://127.0.0.1:" + port + path;
    }

    /** GET with the bench user's token; throws IOException while the server is not listening yet. */
    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + Cluster.TOKEN).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Pod name → value of each item in an answer (empty when the answer is not a 200 list). */
    static Map<String, Double> values(HttpResponse<byte[]> response) throws IOException {
        Map<String, Double> values = new LinkedHashMap<>();
        if (response.statusCode() != 200) {
            return values;
        }
        for (JsonNode item : JSON.readTree(response.body()).path("items")) {
            values.put(item.path("describedObject").path("name").asText(), quantity(item.path("value").asText()));
        }
        return values;
    }

    Map<String, Double> values(String metric, String isvc) throws IOException, InterruptedException {
        return values(get(podsPath(metric, isvc)));
    }

    /** Kubernetes Quantity strings as the adapter writes them: "12", "1500m", "2500u", "1k". */
    static double quantity(String q) {
        char last = q.charAt(q.length() - 1);
        double scale = switch (last) {
            case 'n' -> 1e-9;
            case 'u' -> 1e-6;
            case 'm' -> 1e-3;
            case 'k' -> 1e3;
            case 'M' -> 1e6;
            default -> 1;
        };
        return Double.parseDouble(Character.isDigit(last) ? q : q.substring(0, q.length() - 1)) * scale;
    }

    /** The adapter's own counters (management port, Prometheus text): series line prefix → value, summed. */
    double selfMetric(String prefix) throws IOException, InterruptedException {
        return selfMetrics(prefix)[0];
    }

    /** Several sums from one read of the page, so that they describe the same instant. */
    double[] selfMetrics(String... prefixes) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + managementPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        double[] sums = new double[prefixes.length];
        for (String line : response.body().split("\n")) {
            for (int i = 0; i < prefixes.length; i++) {
                if (line.startsWith(prefixes[i])) {
                    sums[i] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return sums;
    }

    /**
     * Heap in use right after a full collection (jcmd GC.run, then GC.heap_info): the live data, which RSS hides
     * behind however much heap the JVM chose to keep committed.
     */
    long liveHeapBytes() {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Children.run(List.of(jcmd, Long.toString(pid()), "GC.run"), log.resolveSibling("jcmd.log"));
        String info = Children.run(List.of(jcmd, Long.toString(pid()), "GC.heap_info"), log.resolveSibling("jcmd.log"));
        // G1 says it in one line ("garbage-first heap total …K, used …K"), Serial and Parallel in one per
        // generation: the heap is their sum.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        long usedKiB = 0;
        boolean found = false;
        while (m.find()) {
            usedKiB += Long.parseLong(m.group(1));
            found = true;
        }
        if (!found) {
            throw new IllegalStateException("no heap figures in jcmd GC.heap_info:\n" + info);
        }
        return usedKiB * 1024;
    }

    /** Waits for a condition, failing with the adapter's log tail when the process dies or time runs out. */
    void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the adapter exited (" + process.exitValue() + ") before " + what
                        + "; log " + log + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " after " + timeout.toSeconds() + " s; log " + log
                        + ":\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    /** True once every pod of {@code isvc} is answered: {@code expected} items. */
    boolean answers(String isvc, int expected) {
        try {
            return values("concurrency", isvc).size() == expected;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The adapter serves a self-signed certificate; the harness checks numbers, not the chain. */
    static HttpClient trustingClient() {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String type) {}

                public void checkServerTrusted(X509Certificate[] chain, String type) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Children.stop(process);
    }
}
