package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class ClientTrustManagerTest {

    private static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    private static final Authority CLUSTER_CA = TestCertificates.authority("kubernetes");
    private static final Authority ROTATED_CLUSTER_CA = TestCertificates.authority("kubernetes-2");

    private static AuthenticationSettings settings(List<X509Certificate> requestHeaderCAs,
            List<X509Certificate> clientCAs) {
        return AuthenticationSettings.empty().withRequestHeaderCAs(requestHeaderCAs).withClientCAs(clientCAs);
    }

    @Test
    void acceptedIssuersAreTheUnionOfBothCaSets() {
        ClientTrustManager trust = new ClientTrustManager(settings(
                List.of(FRONT_PROXY_CA.certificate()),
                List.of(CLUSTER_CA.certificate(), FRONT_PROXY_CA.certificate())));

        assertArrayEquals(new X509Certificate[] {FRONT_PROXY_CA.certificate(), CLUSTER_CA.certificate()},
                trust.getAcceptedIssuers(), "each CA once, request-header CAs first");
    }

    @Test
    void updateSwapsTheIssuers() {
        ClientTrustManager trust = new ClientTrustManager();
        assertEquals(0, trust.getAcceptedIssuers().length);

        trust.update(settings(List.of(FRONT_PROXY_CA.certificate()), List.of(CLUSTER_CA.certificate())));
        trust.update(settings(List.of(FRONT_PROXY_CA.certificate()), List.of(ROTATED_CLUSTER_CA.certificate())));

        assertEquals(Set.of(FRONT_PROXY_CA.certificate(), ROTATED_CLUSTER_CA.certificate()),
                Set.of(trust.getAcceptedIssuers()));
    }

    @Test
    void returnedIssuersCannotChangeTheTrustManager() {
        ClientTrustManager trust = new ClientTrustManager(settings(List.of(FRONT_PROXY_CA.certificate()), List.of()));

        trust.getAcceptedIssuers()[0] = CLUSTER_CA.certificate();

        assertArrayEquals(new X509Certificate[] {FRONT_PROXY_CA.certificate()}, trust.getAcceptedIssuers());
    }

    @Test
    void acceptsAnyClientChainAtTheTlsLayer() {
        ClientTrustManager trust = new ClientTrustManager(settings(List.of(FRONT_PROXY_CA.certificate()), List.of()));
        Authority stranger = TestCertificates.authority("stranger");
        X509Certificate[] untrusted = stranger.issue(Leaf.client("mallory").asExpired()).chain()
                .toArray(X509Certificate[]::new);

        assertDoesNotThrow(() -> trust.checkClientTrusted(untrusted, "ECDHE_ECDSA"));
        assertDoesNotThrow(() -> trust.checkClientTrusted(untrusted, "ECDHE_ECDSA", (SSLEngine) null));
        assertThrows(IllegalArgumentException.class, () -> trust.checkClientTrusted(new X509Certificate[0], "RSA"));
    }

    @Test
    void trustsNoServer() {
        ClientTrustManager trust = new ClientTrustManager(settings(List.of(FRONT_PROXY_CA.certificate()), List.of()));
        X509Certificate[] server = FRONT_PROXY_CA.issue(Leaf.server("localhost")).chain()
                .toArray(X509Certificate[]::new);

        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(server, "ECDHE_ECDSA"));
        assertThrows(CertificateException.class,
                () -> trust.checkServerTrusted(server, "ECDHE_ECDSA", (SSLEngine) null));
    }
}
