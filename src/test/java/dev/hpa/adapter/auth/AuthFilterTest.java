package dev.hpa.adapter.auth;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestIdentities;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may call, with real certificates and real handshakes: the caller → outcome matrix of the README, against
 * TokenReview and SubjectAccessReview answered by the Kubernetes mock server (see {@link ClusterReviews}).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class AuthFilterTest {

    static final String DISCOVERY = "/apis/custom.metrics.k8s.io/v1beta2";
    static final String METRIC = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/team-a/pods/*/concurrency";
    static final Authority STRANGER_CA = TestCertificates.authority("someone-elses-ca");

    @KubernetesTestServer
    KubernetesServer k8s;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void cluster() {
        ClusterReviews.install(k8s);
    }

    /** As kube-apiserver's front proxy forwards a request of {@code user} in {@code groups}. */
    static RequestSpecification proxied(String user, String... groups) {
        RequestSpecification spec = Api.presenting(TestIdentities.FRONT_PROXY_CLIENT).header("X-Remote-User", user);
        for (String group : groups) {
            spec = spec.header("X-Remote-Group", group);
        }
        return spec;
    }

    static Arguments row(String caller, Supplier<RequestSpecification> request, String path, int code,
            String message) {
        return Arguments.of(caller, request, path, code, message);
    }

    static Stream<Arguments> callers() {
        String forbiddenPods = " cannot get resource \"pods/concurrency\" in API group \"custom.metrics.k8s.io\" in"
                + " the namespace \"team-a\"";
        return Stream.of(
                row("no credentials: anonymous, denied by SAR", Api::anonymous, METRIC, 403,
                        "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"system:anonymous\"" + forbiddenPods),
                row("no credentials, a non-resource path", Api::anonymous, DISCOVERY, 403,
                        "forbidden: User \"system:anonymous\" cannot get path \"/apis/custom.metrics.k8s.io/v1beta2\""),
                row("no credentials, a probe: always allowed", Api::anonymous, "/readyz", 200, null),
                row("identity headers forged without a certificate: ignored",
                        () -> Api.anonymous().header("X-Remote-User", "alice")
                                .header("X-Remote-Group", "system:masters"),
                        METRIC, 403, "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"system:anonymous\""),
                row("front proxy for system:masters: no review needed", () -> proxied("admin", "system:masters"),
                        DISCOVERY, 200, null),
                row("front proxy for a viewer: allowed by SAR", () -> proxied("carol", "viewers"), METRIC, 404,
                        "the server could not find the metric concurrency"),
                row("front proxy for a user SAR denies", () -> proxied("bob", "dev"), METRIC, 403,
                        "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"bob\"" + forbiddenPods),
                row("front-proxy CA certificate whose CN is not allowed",
                        () -> Api.presenting(TestIdentities.FRONT_PROXY_CA.issue(Leaf.client("not-the-proxy")))
                                .header("X-Remote-User", "admin").header("X-Remote-Group", "system:masters"),
                        DISCOVERY, 401, "Unauthorized"),
                row("certificate from an unknown CA",
                        () -> Api.presenting(STRANGER_CA.issue(Leaf.client("mallory", "system:masters"))),
                        DISCOVERY, 401, "Unauthorized"),
                row("expired client certificate",
                        () -> Api.presenting(TestIdentities.CLIENT_CA.issue(Leaf.client("dave", "viewers").asExpired())),
                        DISCOVERY, 401, "Unauthorized"),
                row("client certificate of a viewer",
                        () -> Api.presenting(TestIdentities.CLIENT_CA.issue(Leaf.client("dave", "viewers"))),
                        DISCOVERY, 200, null),
                row("client certificate carrying identity headers: the CN counts, the headers do not",
                        () -> Api.presenting(TestIdentities.CLIENT_CA.issue(Leaf.client("erin")))
                                .header("X-Remote-User", "alice").header("X-Remote-Group", "system:masters"),
                        METRIC, 403, "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"erin\""),
                row("valid bearer token, allowed by SAR",
                        () -> Api.anonymous().header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN),
                        METRIC, 404, "the server could not find the metric concurrency"),
                row("a certificate from an unknown CA with a valid token: the token counts",
                        () -> Api.presenting(STRANGER_CA.issue(Leaf.client("mallory", "system:masters")))
                                .header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN),
                        METRIC, 404, "the server could not find the metric concurrency"),
                row("invalid bearer token", () -> Api.anonymous().header("Authorization", "Bearer not-a-token"),
                        DISCOVERY, 401, "Unauthorized"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callers")
    void callerOutcomes(String caller, Supplier<RequestSpecification> request, String path, int code,
            String message) {
        var response = request.get().get(path).then().statusCode(code);
        if (message != null) {
            response.contentType("application/json").body("kind", equalTo("Status")).body("code", equalTo(code))
                    .body("message", startsWith(message));
        }
    }

    @Test
    void theReviewCarriesWhatKubeApiserverWouldSend() {
        proxied("carol", "viewers").header("X-Remote-Extra-Scopes", "metrics").header("X-Remote-Extra-Acme.com%2Fteam", "ml")
                .get(METRIC).then().statusCode(404);
        SubjectAccessReviewSpec spec = ClusterReviews.lastReviewOf("carol");
        assertEquals(List.of("viewers", "system:authenticated"), spec.getGroups());
        assertEquals(Map.of("scopes", List.of("metrics"), "acme.com/team", List.of("ml")), spec.getExtra());
        ResourceAttributes attributes = spec.getResourceAttributes();
        assertEquals(List.of("team-a", "get", "custom.metrics.k8s.io", "v1beta2", "pods", "concurrency", "*"),
                List.of(attributes.getNamespace(), attributes.getVerb(), attributes.getGroup(),
                        attributes.getVersion(), attributes.getResource(), attributes.getSubresource(),
                        attributes.getName()));
    }

    @Test
    void aTokenCallerIsReviewedAsTokenReviewSaid() {
        Api.anonymous().header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN)
                .get("/apis/custom.metrics.k8s.io/v1beta1/namespaces/team-b/metrics/rps").then().statusCode(404);
        SubjectAccessReviewSpec spec = ClusterReviews.lastReviewOf("alice");
        assertEquals("alice-uid", spec.getUid());
        assertEquals(List.of("dev", "system:authenticated"), spec.getGroups());
        assertEquals("metrics", spec.getResourceAttributes().getResource());
        assertEquals("rps", spec.getResourceAttributes().getName());
    }

    @Test
    void aTokenReviewedWithinItsTtlIsNotReviewedAgainNorCountedAsAReview() {
        String stranger = "never-issued-" + System.nanoTime();
        Api.anonymous().header("Authorization", "Bearer " + stranger).get(DISCOVERY).then().statusCode(401);
        Api.anonymous().header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN).get(DISCOVERY);
        List<String> reviewed = List.copyOf(ClusterReviews.TOKENS_REVIEWED);
        double counted = registry.counter("adapter.auth.reviews", "review", "TokenReview", "outcome", "success")
                .count();

        for (int i = 0; i < 3; i++) {
            Api.anonymous().header("Authorization", "Bearer " + stranger).get(DISCOVERY).then().statusCode(401)
                    .body("message", equalTo("Unauthorized"));
        }
        String unasked = "rps-" + System.nanoTime(); // a question SubjectAccessReview has not cached
        Api.anonymous().header("Authorization", "Bearer " + ClusterReviews.ALICE_TOKEN)
                .get("/apis/custom.metrics.k8s.io/v1beta1/namespaces/team-b/metrics/" + unasked).then().statusCode(404);

        assertEquals(reviewed, ClusterReviews.TOKENS_REVIEWED, "answered from the cache, kube-apiserver not asked");
        assertEquals(counted, registry.counter("adapter.auth.reviews", "review", "TokenReview", "outcome", "success")
                .count(), "adapter_auth_reviews_total counts reviews asked, not cache hits");
        assertEquals(unasked, ClusterReviews.lastReviewOf("alice").getResourceAttributes().getName(),
                "the cached caller is still authorized by SubjectAccessReview");
    }

    @Test
    void aForbiddenStatusNamesTheObject() {
        proxied("frank").get(METRIC).then().statusCode(403)
                .body("reason", equalTo("Forbidden"))
                .body("details.name", equalTo("*"))
                .body("details.group", equalTo("custom.metrics.k8s.io"))
                .body("details.kind", equalTo("pods"));
    }

    @Test
    void aRotatedFrontProxyCaTakesEffectWithoutARestart() {
        Authority rotated = TestCertificates.authority("front-proxy-ca-2");
        TestCertificates.Issued newProxy = rotated.issue(Leaf.client("front-proxy-client"));
        var configMaps = k8s.getClient().configMaps().inNamespace("kube-system")
                .withName("extension-apiserver-authentication");
        String original = configMaps.get().getData().get("requestheader-client-ca-file");
        try {
            configMaps.edit(cm -> {
                cm.getData().put("requestheader-client-ca-file", rotated.certificatePem());
                return cm;
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> Api.presenting(newProxy)
                    .header("X-Remote-User", "admin").header("X-Remote-Group", "system:masters")
                    .get(DISCOVERY).then().statusCode(200));
            proxied("admin", "system:masters").get(DISCOVERY).then().statusCode(401);
        } finally {
            configMaps.edit(cm -> {
                cm.getData().put("requestheader-client-ca-file", original);
                return cm;
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> proxied("admin", "system:masters")
                    .get(DISCOVERY).then().statusCode(200));
        }
    }
}
