package dev.hpa.adapter.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestCertificates;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The serving side of TLS with real handshakes: what kube-apiserver's aggregator proxy will meet. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class ServingTlsTest {

    static int port() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-ssl-port", Integer.class).orElse(8444);
    }

    /** Handshakes as a client trusting {@code trust}, offering one protocol and h2 + http/1.1 by ALPN. */
    static SSLSocket handshake(SSLContext trust, String protocol) throws IOException {
        SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("localhost", port());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // verify the host name, as Go clients do
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    static BigInteger servedSerial() throws IOException {
        try (SSLSocket socket = handshake(ServingCertificateResource.CA.trustingContext(), "TLSv1.3")) {
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void verifiedHandshakeWithHttp2(String protocol) throws IOException {
        try (SSLSocket socket = handshake(ServingCertificateResource.CA.trustingContext(), protocol)) {
            assertEquals(protocol, socket.getSession().getProtocol());
            assertEquals("h2", socket.getApplicationProtocol());
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCaIsRefused() {
        SSLContext other = TestCertificates.authority("someone-else").trustingContext();
        assertThrows(SSLHandshakeException.class, () -> handshake(other, "TLSv1.3").close());
    }

    @Test
    void rotatedFilesAreServedFromTheNextHandshake() throws IOException {
        BigInteger before = servedSerial();
        ServingCertificateResource.issue(); // rewrites tls.crt and tls.key in place, as cert-manager does
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> !servedSerial().equals(before));
    }

    @Test
    void thePlainHttpPortIsClosed() {
        int http = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        assertThrows(ConnectException.class, () -> new Socket("localhost", http).close());
    }
}
