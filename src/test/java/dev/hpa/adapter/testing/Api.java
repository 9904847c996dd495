package dev.hpa.adapter.testing;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/** REST Assured aimed at the adapter's HTTPS port as a test runs it, trusting only the test CA. */
public final class Api {

    private Api() {}

    public static RequestSpecification https() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-ssl-port", Integer.class)
                .orElse(8444);
        // Verified TLS: the test CA, and the host name against the certificate's SANs.
        return given().baseUri("https://localhost").port(port).trustStore(ServingCertificateResource.CA.trustStore())
                .urlEncodingEnabled(false);
    }

    /** The management port, where self-metrics and SmallRye health live. */
    public static RequestSpecification management() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.management.test-port", Integer.class)
                .orElse(9001);
        return given().baseUri("http://localhost").port(port);
    }
}
