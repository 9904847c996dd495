package dev.hpa.adapter.prometheus;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.prometheus.QueryFailure.Outcome;
import dev.hpa.adapter.testing.PrometheusFront;
import dev.hpa.adapter.testing.PrometheusServer;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's CA file and the adapter's client certificate are rotated under a running client, against a real
 * Prometheus behind the mTLS front, with real certificates from fresh CAs: a rotated file is used by the next new
 * connection within {@link TlsFiles#CHECK_EVERY}, and a file caught half-written, broken or half rotated leaves the
 * working one in force, with one WARN that names it.
 *
 * <p>Whenever a test needs to know what a new connection would trust, the front restarts: that closes the pooled
 * keep-alive connection, which would otherwise keep answering with the handshake it made before.
 */
class PrometheusTlsFilesTest {

    static final String TOKEN = "tls-files-token";
    static final Duration CHECKS = TlsFiles.CHECK_EVERY.multipliedBy(3);

    static PrometheusServer prometheus;
    static String unavailable;
    static Vertx vertx;

    final Authority engineCa = TestCertificates.authority("engine-ca-1");
    final Authority rotatedEngineCa = TestCertificates.authority("engine-ca-2");
    final Authority clientCa = TestCertificates.authority("adapter-client-ca-1");
    final AtomicInteger queries = new AtomicInteger();
    final List<String> warnings = new CopyOnWriteArrayList<>();
    final Logger tlsLogger = Logger.getLogger(TlsFiles.class.getName());
    final Handler warningCollector = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                // Once Quarkus tests ran in this JVM, records may come formatted already; ExtLogRecord keeps the text.
                warnings.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage()
                        + " " + java.util.Arrays.toString(record.getParameters()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @TempDir
    Path dir;
    Path caFile;
    Path clientCaFile;
    PemFiles client;
    PemFiles engineCertificate;
    PrometheusFront front;
    SimpleMeterRegistry registry;
    PrometheusApi api;

    @BeforeAll
    static void startPrometheus() {
        try {
            prometheus = PrometheusServer.start();
        } catch (PrometheusServer.Unavailable e) {
            unavailable = e.getMessage();
        }
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopPrometheus() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @BeforeEach
    void start() throws IOException {
        assumeTrue(unavailable == null, unavailable);
        tlsLogger.addHandler(warningCollector);
        caFile = engineCa.writeCertificate(Files.createDirectories(dir.resolve("engine-tls")).resolve("ca.crt"));
        clientCaFile = clientCa.writeCertificate(dir.resolve("client-ca.crt"));
        client = clientCa.issue(Leaf.client("hpa-metrics-adapter")).writePem(dir.resolve("engine-tls"), "tls");
        engineCertificate = engineCa.issue(Leaf.server("localhost")).writePem(dir, "engine-1");
        Files.writeString(dir.resolve("token"), TOKEN);
        front = new PrometheusFront(engineCertificate, clientCaFile, prometheus.port(), TOKEN);
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() throws Exception {
        tlsLogger.removeHandler(warningCollector);
        if (api != null) {
            api.close();
        }
        if (front != null) {
            front.close();
        }
    }

    PrometheusApi api() {
        Map<String, String> config = new HashMap<>();
        config.put("adapter.source", "prometheus");
        config.put("adapter.prometheus.url", front.url());
        config.put("adapter.prometheus.ca-file", caFile.toString());
        config.put("adapter.prometheus.client-cert-file", client.certFile().toString());
        config.put("adapter.prometheus.client-key-file", client.keyFile().toString());
        config.put("adapter.prometheus.bearer-token-file", dir.resolve("token").toString());
        // A cold client's first TLS handshake on a loaded 2-core machine can take seconds.
        config.put("adapter.prometheus.timeout", "10s");
        api = new PrometheusApi(vertx, ConfigCheckTest.config(config).prometheus(), registry);
        return api;
    }

    /** A query of its own text, so that no answer cached for the second is reused; null when it succeeded. */
    QueryFailure failure() {
        int n = queries.incrementAndGet();
        try {
            List<PrometheusApi.Sample> samples = api.query("vector(" + n + ")", System.currentTimeMillis() / 1000)
                    .await().atMost(Duration.ofSeconds(15));
            assertEquals(n, samples.get(0).value(), "Prometheus' answer through the front");
            return null;
        } catch (QueryFailure e) {
            return e;
        }
    }

    boolean succeeds() {
        return failure() == null;
    }

    boolean failsTheHandshake() {
        QueryFailure failure = failure();
        return failure != null && failure.outcome() == Outcome.CONNECT_ERROR
                && failure.getMessage().startsWith("TLS handshake failed: ");
    }

    double reloads(String outcome) {
        return registry.get("adapter.prometheus.tls.reloads").tag("outcome", outcome).counter().count();
    }

    /** Replaces a file as a Secret volume update does: the new content appears at once, whole. */
    static void replace(Path file, String content) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aReplacedCaFileIsTrustedFromTheNextConnectionOnWithoutRestart() throws Exception {
        api();
        assertNull(failure());

        front.restart(rotatedEngineCa.issue(Leaf.server("localhost")).writePem(dir, "engine-2"), clientCaFile);
        // The old CA stays in force for as long as the file holds it, over several checks.
        await().during(TlsFiles.CHECK_EVERY.plusSeconds(1)).atMost(CHECKS).pollInterval(Duration.ofMillis(500))
                .until(this::failsTheHandshake);

        replace(caFile, rotatedEngineCa.certificatePem());
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(this::succeeds);
        assertEquals(1, reloads("applied"));
        assertEquals(0, reloads("rejected"));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aHalfWrittenOrBrokenCaFileKeepsTheOneInUse() throws Exception {
        api();
        assertNull(failure());

        // A writer caught mid-way through a bundle of the new and the old CA, in place: the second one is cut off.
        String bundle = rotatedEngineCa.certificatePem() + engineCa.certificatePem();
        Files.writeString(caFile, bundle.substring(0, bundle.length() - 200));
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(() -> succeeds() && reloads("rejected") == 1);
        front.restart(engineCertificate, clientCaFile);
        assertNull(failure(), "a new connection still trusts the CA in use");
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("Keeping the TLS files in use for " + front.url() + ": adapter.prometheus.ca-file " + caFile
                + ": 2 PEM BEGIN lines but 1 END lines (is it still being written?); checked again every 5s",
                warnings.get(0));

        replace(caFile, "<html><body>403 Forbidden</body></html>\n");
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(() -> succeeds() && reloads("rejected") == 2);
        front.restart(engineCertificate, clientCaFile);
        assertNull(failure(), "a new connection still trusts the CA in use");
        assertEquals("Keeping the TLS files in use for " + front.url() + ": adapter.prometheus.ca-file " + caFile
                + ": no PEM CERTIFICATE block found; checked again every 5s", warnings.get(1));
        // The same broken content is judged once: later checks log nothing more.
        await().during(TlsFiles.CHECK_EVERY.plusSeconds(1)).atMost(CHECKS).pollInterval(Duration.ofMillis(500))
                .until(() -> succeeds() && warnings.size() == 2);

        // Checks run from the query path, so it takes queries for the good bundle to be seen.
        replace(caFile, bundle);
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(() -> succeeds() && reloads("applied") == 1);
        assertEquals(2, reloads("rejected"));
    }

    @Test
    void aRotatedClientCertificateIsPresentedOnceItsKeyMatches() throws Exception {
        api();
        assertNull(failure());
        assertEquals("CN=hpa-metrics-adapter", front.seen().get(0).clientSubject());

        // The engine now accepts only clients of a new CA; the adapter's pair is rotated key first.
        Authority rotatedClientCa = TestCertificates.authority("adapter-client-ca-2");
        Path rotatedClientCaFile = rotatedClientCa.writeCertificate(dir.resolve("client-ca-2.crt"));
        front.restart(engineCertificate, rotatedClientCaFile);
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(() -> {
            QueryFailure refused = failure();
            return refused != null && refused.outcome() == Outcome.CONNECT_ERROR;
        });
        PemFiles rotated = rotatedClientCa.issue(Leaf.client("hpa-metrics-adapter-rotated")).writePem(dir, "next");
        replace(client.keyFile(), Files.readString(rotated.keyFile()));
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(() -> !succeeds() && reloads("rejected") == 1);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("adapter.prometheus.client-key-file " + client.keyFile()
                + ": the private key matches no certificate in adapter.prometheus.client-cert-file "
                + client.certFile()), warnings.get(0));

        replace(client.certFile(), Files.readString(rotated.certFile()));
        front.clearSeen();
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(this::succeeds);
        assertEquals("CN=hpa-metrics-adapter-rotated", front.seen().get(front.seen().size() - 1).clientSubject());
        assertEquals(1, reloads("applied"));
    }

    @Test
    void aCaFileMissingAtStartUpStopsEveryQueryUntilItAppears() throws Exception {
        Files.delete(caFile);
        api();
        // Nothing is sent: without the file the client would trust the JDK's CAs instead.
        QueryFailure missing = failure();
        assertNotNull(missing);
        assertEquals(Outcome.CREDENTIALS, missing.outcome());
        assertEquals("adapter.prometheus.ca-file " + caFile + ": the file does not exist (no query is sent until it"
                + " can be used; checked again every 5s)", missing.getMessage());
        assertEquals(List.of(), front.seen());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("No query goes to " + front.url() + " until its TLS files can be used: "
                + "adapter.prometheus.ca-file " + caFile + ": the file does not exist"), warnings.get(0));

        replace(caFile, engineCa.certificatePem());
        await().atMost(CHECKS).pollInterval(Duration.ofMillis(500)).until(this::succeeds);
        assertEquals(1, reloads("applied"));
        assertEquals(1, warnings.size(), "the missing file is logged once, not at every check");
    }
}
