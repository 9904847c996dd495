package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The adapter in {@code adapter.source=prometheus} against a real Prometheus behind a {@link PrometheusFront}:
 * verified TLS with a client certificate, a bearer token from a file, a tenant header. Where Prometheus cannot
 * start the adapter still starts (pointing at the front, whose upstream is then dead) and the tests skip with
 * {@link #unavailable()} as their message.
 */
public class PrometheusResource implements QuarkusTestResourceLifecycleManager {

    public static final String TENANT = "tenant-a";
    /** A recipe in PromQL from configuration: twice TGI's in-flight gauges, for pods named custom-*. */
    public static final String CUSTOM_RECIPE = "2 * (" + perPod("tgi_queue_size") + " + " + perPod("tgi_batch_current_size")
            + ")";

    private static String perPod(String gauge) {
        return "sum by (namespace, pod) (avg_over_time(" + gauge
                + "{namespace=\"<<namespace>>\",pod=~\"custom-.*\"}[<<window>>]))";
    }

    private static final Authority CA = TestCertificates.authority("prometheus-front-ca");

    private static PrometheusServer prometheus;
    private static PrometheusFront front;
    private static String unavailable;
    private static Path tokenFile;

    @Override
    public Map<String, String> start() {
        try {
            prometheus = PrometheusServer.start();
            unavailable = null;
        } catch (PrometheusServer.Unavailable e) {
            prometheus = null;
            unavailable = e.getMessage();
        }
        try {
            Path dir = Files.createTempDirectory("adapter-prometheus-client");
            var serving = CA.issue(Leaf.server("localhost")).writePem(dir, "front");
            var client = CA.issue(Leaf.client("hpa-metrics-adapter")).writePem(dir, "client");
            Path ca = CA.writeCertificate(dir.resolve("ca.crt"));
            tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, "token-1\n");
            front = new PrometheusFront(serving, ca, prometheus == null ? 9 : prometheus.port(), "token-1");
            Map<String, String> config = new HashMap<>();
            config.put("adapter.source", "prometheus");
            config.put("adapter.prometheus.url", front.url() + "/");
            config.put("adapter.prometheus.ca-file", ca.toString());
            config.put("adapter.prometheus.client-cert-file", client.certFile().toString());
            config.put("adapter.prometheus.client-key-file", client.keyFile().toString());
            config.put("adapter.prometheus.bearer-token-file", tokenFile.toString());
            config.put("adapter.prometheus.headers.X-Scope-OrgID", TENANT);
            config.put("adapter.prometheus.scrape-interval", "1s");
            // Short enough for the slow-engine case, long enough for a TLS handshake on a loaded 2-core machine.
            config.put("adapter.prometheus.timeout", "3s");
            config.put("adapter.prometheus.max-body-bytes", "65536");
            config.put("adapter.prometheus.recipes.custom.concurrency", CUSTOM_RECIPE);
            // metrics.k8s.io reads the kubelets; off here, so that nothing but Prometheus reads anything.
            config.put("adapter.metrics-api.enabled", "false");
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Why Prometheus cannot run here, or null when it runs. */
    public static String unavailable() {
        return unavailable;
    }

    public static PrometheusServer prometheus() {
        return prometheus;
    }

    public static PrometheusFront front() {
        return front;
    }

    /** Rotates the bearer token the way a projected token is rotated: the file's content is replaced at once. */
    public static void rotateToken(String token) {
        try {
            Path next = tokenFile.resolveSibling("token.next");
            Files.writeString(next, token + "\n");
            Files.move(next, tokenFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (front != null) {
                front.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            if (prometheus != null) {
                prometheus.close();
            }
        }
    }
}
