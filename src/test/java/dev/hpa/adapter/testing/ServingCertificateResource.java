package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Serves the adapter under test with a certificate from a CA made for this test run, so that every test talks
 * verified TLS (chain and host name), as kube-apiserver does with the APIService's caBundle.
 */
public class ServingCertificateResource implements QuarkusTestResourceLifecycleManager {

    /** The CA that issued the serving certificate; clients trust it and nothing else. */
    public static final Authority CA = TestCertificates.authority("adapter-test-ca");
    /** The CA of the kubelets' serving certificates ({@link FakeKubelet}), given as adapter.kubelet.ca-file. */
    public static final Authority KUBELET_CA = TestCertificates.authority("kubelet-test-ca");

    private static Path volume;
    private static int generation;

    @Override
    public Map<String, String> start() {
        try {
            volume = Files.createTempDirectory("adapter-serving-cert");
            issue();
            Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data", "tls.crt"));
            Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data", "tls.key"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("adapter.tls.cert-file", volume.resolve("tls.crt").toString(),
                "adapter.tls.key-file", volume.resolve("tls.key").toString(),
                "adapter.kubelet.ca-file", KUBELET_CA.writeCertificate(volume.resolve("kubelet-ca.crt")).toString());
    }

    /**
     * Issues a fresh serving certificate for localhost and swaps it in the way the kubelet updates a Secret
     * volume: both files are written into a new directory, and one atomic rename of the {@code ..data} symlink
     * switches the pair. The paths the adapter reads never change.
     */
    public static synchronized void issue() {
        try {
            String name = "..gen-" + ++generation;
            Path dir = Files.createDirectory(volume.resolve(name));
            CA.issue(Leaf.server("localhost", "127.0.0.1")).writePem(dir, "tls"); // tls.crt, tls.key
            Path next = Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of(name));
            Files.move(next, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // The temp files go with the JVM's temp dir; nothing holds them open.
    }
}
