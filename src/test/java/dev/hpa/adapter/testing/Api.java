package dev.hpa.adapter.testing;

import static io.restassured.RestAssured.given;

import io.restassured.config.RestAssuredConfig;
import io.restassured.config.SSLConfig;
import io.restassured.specification.RequestSpecification;
import javax.net.ssl.SSLContext;
import org.apache.http.conn.ssl.SSLSocketFactory;
import org.eclipse.microprofile.config.ConfigProvider;

/** REST Assured aimed at the adapter's HTTPS port as a test runs it, trusting only the test CA. */
public final class Api {

    private Api() {}

    /**
     * As kube-apiserver's aggregator proxies an administrator's request: its front-proxy client certificate and
     * the caller's identity in X-Remote-* headers (system:masters, so no SubjectAccessReview is needed).
     */
    public static RequestSpecification https() {
        return anonymous()
                .keyStore(TestIdentities.frontProxyClientP12().toFile(), TestCertificates.PASSWORD)
                .header("X-Remote-User", "test-admin")
                .header("X-Remote-Group", "system:masters");
    }

    /** As kube-apiserver's front proxy forwards a request of {@code user} in {@code groups}: SAR decides. */
    public static RequestSpecification proxied(String user, String... groups) {
        RequestSpecification spec = presenting(TestIdentities.FRONT_PROXY_CLIENT).header("X-Remote-User", user);
        for (String group : groups) {
            spec = spec.header("X-Remote-Group", group);
        }
        return spec;
    }

    /** No client certificate, no token: verified TLS only (the test CA, and the host name against the SANs). */
    public static RequestSpecification anonymous() {
        return given().baseUri("https://localhost").port(httpsPort())
                .trustStore(ServingCertificateResource.CA.trustStore())
                .urlEncodingEnabled(false);
    }

    /**
     * TLS presenting {@code certificate} whatever the server asks for: a JDK client would only offer a
     * certificate whose issuer the server lists, and some tests need the server to see one it does not trust.
     */
    public static RequestSpecification presenting(TestCertificates.Issued certificate) {
        SSLContext context = TestCertificates.alwaysPresenting(certificate, ServingCertificateResource.CA);
        return given().baseUri("https://localhost").port(httpsPort()).urlEncodingEnabled(false)
                .config(RestAssuredConfig.config().sslConfig(SSLConfig.sslConfig().sslSocketFactory(
                        new SSLSocketFactory(context, SSLSocketFactory.STRICT_HOSTNAME_VERIFIER))));
    }

    public static int httpsPort() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-ssl-port", Integer.class).orElse(8444);
    }

    /** The management port, where self-metrics and SmallRye health live: HTTPS with the serving certificate. */
    public static RequestSpecification management() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.management.test-port", Integer.class)
                .orElse(9001);
        return given().baseUri("https://localhost").port(port)
                .trustStore(ServingCertificateResource.CA.trustStore())
                .urlEncodingEnabled(false);
    }

    /**
     * The management port as Prometheus scrapes it: with a service-account token that TokenReview knows and that
     * SubjectAccessReview lets get /metrics (alice's, see {@link ClusterReviews}, which must be installed).
     */
    public static RequestSpecification selfMetrics() {
        return management().header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN);
    }
}
