package dev.hpa.adapter.auth;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The management port's /metrics needs {@code get} on the non-resource URL /metrics, as kube's components'
 * do; its health endpoints need nothing. Over HTTPS with the serving certificate, so a token never goes in clear.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class SelfMetricsAuthTest {

    @KubernetesTestServer
    KubernetesServer k8s;

    @BeforeEach
    void cluster() {
        ClusterReviews.install(k8s);
    }

    @Test
    void allowedTokenReadsTheMetrics() {
        Api.selfMetrics().get("/metrics").then().statusCode(200)
                .body(containsString("adapter_scrapes_total"));
        SubjectAccessReviewSpec review = ClusterReviews.lastReviewOf("alice");
        assertEquals("/metrics", review.getNonResourceAttributes().getPath());
        assertEquals("get", review.getNonResourceAttributes().getVerb());
        assertNull(review.getResourceAttributes());
    }

    @Test
    void deniedTokenIsForbidden() {
        Api.management().header("Authorization", "Bearer " + ClusterReviews.BOB_TOKEN).get("/metrics").then()
                .statusCode(403)
                .body("kind", equalTo("Status"))
                .body("reason", equalTo("Forbidden"))
                .body("message", equalTo("forbidden: User \"bob\" cannot get path \"/metrics\""));
    }

    @Test
    void anonymousIsForbidden() {
        Api.management().get("/metrics").then().statusCode(403)
                .body("message", equalTo("forbidden: User \"system:anonymous\" cannot get path \"/metrics\""));
    }

    @Test
    void unknownTokenIsUnauthorized() {
        Api.management().header("Authorization", "Bearer not-a-token").get("/metrics").then().statusCode(401)
                .body("reason", equalTo("Unauthorized"));
    }

    @Test
    void dotSegmentsDoNotSlipPastTheCheck() {
        Api.management().get("/q/health/../../metrics").then().statusCode(403);
    }

    @Test
    void healthStaysOpen() {
        // Ready only once the informers have listed the pods, which may be a moment after the app started
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> Api.management().get("/q/health/ready").then().statusCode(200));
        Api.management().get("/q/health/live").then().statusCode(200);
    }
}
