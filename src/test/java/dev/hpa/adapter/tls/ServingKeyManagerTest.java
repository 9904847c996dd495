package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyEncoding;
import dev.hpa.adapter.testing.TestCertificates.KeyType;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;

/** Real JDK handshakes against the key manager, without Vert.x: what the HTTPS server relies on for rotation. */
class ServingKeyManagerTest {

    private static final Authority CA = TestCertificates.authority("key-manager-test-ca");

    @TempDir
    Path dir;

    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
    private PemFiles files;
    private ServingCertificateSource source;
    private ServingKeyManager keyManager;

    @BeforeEach
    void serveAnEcCertificate() {
        files = CA.issue(Leaf.server("localhost")).writePem(dir, "tls");
        source = new ServingCertificateSource(
                Optional.of(new ServingCertificateFiles(files.certFile(), files.keyFile())), () -> null);
        keyManager = new ServingKeyManager(source);
    }

    @AfterEach
    void stopAccepting() {
        acceptor.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "TLSv1.3", "TLSv1.2" })
    void theNextHandshakePresentsTheRotatedPair(String protocol) throws Exception {
        Issued rotated = CA.issue(Leaf.server("localhost").withKeyType(KeyType.RSA));
        try (SSLServerSocket server = listen()) {
            X509Certificate before = handshake(server, protocol);
            rotate(rotated);
            X509Certificate after = handshake(server, protocol);

            assertEquals(source.currentAndPrevious().get(1).leaf(), before);
            assertEquals(rotated.certificate(), after);
        }
    }

    @Test
    void offersTheCertificateOnlyForItsKeyType() {
        String fingerprint = source.current().sha256Fingerprint();

        assertEquals(fingerprint, keyManager.chooseEngineServerAlias("EC", null, null));
        assertNull(keyManager.chooseEngineServerAlias("RSA", null, null));
        assertNull(keyManager.chooseEngineServerAlias("RSASSA-PSS", null, null));
        assertNull(keyManager.chooseClientAlias(new String[] { "EC" }, null, null), "never a client");
    }

    @Test
    void aHandshakeThatChoseBeforeARotationStillGetsItsPair() throws IOException {
        ServingCertificate original = source.current();
        String chosen = keyManager.chooseEngineServerAlias("EC", null, null);

        rotate(CA.issue(Leaf.server("localhost")));

        assertArrayEquals(original.chain().toArray(), keyManager.getCertificateChain(chosen));
        assertEquals(original.privateKey(), keyManager.getPrivateKey(chosen));
        assertNull(keyManager.getCertificateChain("unknown"));
    }

    private void rotate(Issued issued) throws IOException {
        PemFiles staged = issued.writePem(Files.createTempDirectory(dir, "staged"), "tls", KeyEncoding.TRADITIONAL);
        Files.move(staged.certFile(), files.certFile(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged.keyFile(), files.keyFile(), StandardCopyOption.REPLACE_EXISTING);
        assertTrue(source.refresh());
    }

    private SSLServerSocket listen() throws GeneralSecurityException, IOException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] { keyManager }, null, null);
        return (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 10,
                InetAddress.getLoopbackAddress());
    }

    /** One full handshake over a new connection, with a new client context so no session can be resumed. */
    private X509Certificate handshake(SSLServerSocket server, String protocol) throws Exception {
        acceptor.submit(() -> {
            try (SSLSocket accepted = (SSLSocket) server.accept()) {
                accepted.startHandshake();
            }
            return null;
        });
        try (SSLSocket client = (SSLSocket) CA.trustingContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            client.setEnabledProtocols(new String[] { protocol });
            client.startHandshake();
            return (X509Certificate) client.getSession().getPeerCertificates()[0];
        }
    }
}
