package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves the adapter under test with a certificate from a CA made for this test run, so that every test talks
 * verified TLS (chain and host name), as kube-apiserver does with the APIService's caBundle.
 */
public class ServingCertificateResource implements QuarkusTestResourceLifecycleManager {

    /** The CA that issued the serving certificate; clients trust it and nothing else. */
    public static final Authority CA = TestCertificates.authority("adapter-test-ca");

    private static Path directory;
    private static PemFiles files;

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("adapter-serving-cert");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files = issue();
        return Map.of("adapter.tls.cert-file", files.certFile().toString(),
                "adapter.tls.key-file", files.keyFile().toString());
    }

    /** Issues a fresh serving certificate for localhost into the files the adapter reads; returns them. */
    public static PemFiles issue() {
        return CA.issue(Leaf.server("localhost", "127.0.0.1")).writePem(directory, "tls");
    }

    @Override
    public void stop() {
        // The temp files go with the JVM's temp dir; nothing holds them open.
    }
}
