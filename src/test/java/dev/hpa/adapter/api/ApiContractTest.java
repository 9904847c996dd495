package dev.hpa.adapter.api;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The rules users have been burned by (contract §0, design §4): discovery that never depends on scrapes, JSON
 * with kind and apiVersion everywhere, every error a metav1.Status with the right code and reason.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class ApiContractTest {

    @ParameterizedTest
    @EnumSource(ApiVersion.class)
    void discoveryIsStaticAndNeverEmpty(ApiVersion version) {
        // No pod exists in this test: the list must be complete anyway.
        Api.https().get("/apis/custom.metrics.k8s.io/" + version.version()).then()
                .statusCode(200)
                .contentType("application/json")
                .body("kind", equalTo("APIResourceList"))
                .body("apiVersion", equalTo("v1"))
                .body("groupVersion", equalTo(version.groupVersion()))
                .body("resources.size()", greaterThan(0))
                .body("resources.name", hasItems("pods/concurrency", "pods/concurrency_stable", "pods/rps",
                        "pods/rps_stable", "inferenceservices.serving.kserve.io/concurrency",
                        "namespaces/concurrency"))
                .body("resources.kind", everyItem(equalTo("MetricValueList")))
                .body("resources.findAll { it.name.startsWith('namespaces/') }.namespaced", everyItem(equalTo(false)))
                .body("resources.findAll { it.name.startsWith('pods/') }.namespaced", everyItem(equalTo(true)));
    }

    @Test
    void answersJsonToTheHpasProtobufFirstAccept() {
        // kube-controller-manager asks for protobuf first; we answer JSON, and must say so in Content-Type.
        Api.https().header("Accept", "application/vnd.kubernetes.protobuf, */*")
                .get("/apis/custom.metrics.k8s.io/v1beta2").then()
                .statusCode(200).contentType("application/json").body("kind", equalTo("APIResourceList"));
        Api.https().header("Accept", "application/vnd.kubernetes.protobuf, */*")
                .get("/apis/custom.metrics.k8s.io/v1beta2/namespaces/a/pods/%2A/nope").then()
                .statusCode(404).contentType("application/json").body("kind", equalTo("Status"));
    }

    @Test
    void groupDocumentsAndAggregatedDiscoveryFallback() {
        Api.https().get("/apis").then().statusCode(200)
                .body("kind", equalTo("APIGroupList"))
                .body("groups[0].preferredVersion.version", equalTo("v1beta2"));
        Api.https().get("/apis/custom.metrics.k8s.io").then().statusCode(200)
                .body("kind", equalTo("APIGroup"))
                .body("versions.version", hasItems("v1beta2", "v1beta1"));
        // kube-apiserver asks for aggregated discovery first; 406 makes it read the per-version list instead.
        Api.https().header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
                .get("/apis").then().statusCode(406).body("kind", equalTo("Status"));
        // kubectl asks for it with plain JSON as the fallback: it gets the list, metrics.k8s.io included when on
        // (the test profile turns it on), which is what kubectl top looks for.
        Api.https().header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
                .get("/apis").then().statusCode(200)
                .body("kind", equalTo("APIGroupList"))
                .body("groups.name", equalTo(java.util.List.of("custom.metrics.k8s.io", "metrics.k8s.io")));
    }

    @Test
    void openApiV2IsMinimalWithAnEtagAndV3IsNotServed() {
        String etag = Api.https().get("/openapi/v2").then().statusCode(200)
                .body("swagger", equalTo("2.0")).extract().header("ETag");
        Api.https().header("If-None-Match", etag).get("/openapi/v2").then().statusCode(304);
        Api.https().get("/openapi/v3").then().statusCode(404).body("kind", equalTo("Status"));
    }

    static Stream<Arguments> errors() {
        String v2 = "/apis/custom.metrics.k8s.io/v1beta2";
        return Stream.of(
                Arguments.of("unknown metric", v2 + "/namespaces/a/pods/*/gpu_temperature", 404, "NotFound",
                        "the server could not find the metric gpu_temperature for pods"),
                Arguments.of("bad label selector", v2 + "/namespaces/a/pods/*/concurrency?labelSelector=app%20in%20(a",
                        400, "BadRequest", "invalid labelSelector \"app in (a\": unable to parse requirement"),
                Arguments.of("bad metric label selector",
                        v2 + "/namespaces/a/pods/*/concurrency?metricLabelSelector=%3Dx", 400, "BadRequest",
                        "invalid metricLabelSelector \"=x\""),
                Arguments.of("unknown version", "/apis/custom.metrics.k8s.io/v1/namespaces/a/pods/*/concurrency",
                        404, "NotFound", "the server could not find the requested resource"),
                Arguments.of("unsupported object kind", v2 + "/namespaces/a/deployments.apps/llama/concurrency", 404,
                        "NotFound", "the server could not find the metric concurrency for deployments.apps"),
                Arguments.of("root-scoped object", v2 + "/nodes/node-1/concurrency", 404, "NotFound",
                        "the server could not find the metric concurrency for nodes"),
                Arguments.of("no pods at all", v2 + "/namespaces/empty/pods/*/concurrency", 404, "NotFound",
                        "the server could not find the metric concurrency: no pods in namespace empty"),
                Arguments.of("unknown path", "/apis/custom.metrics.k8s.io/v1beta2/namespaces", 404, "NotFound",
                        "the server could not find the requested resource"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void errorsAreStatuses(String row, String path, int code, String reason, String message) {
        Api.https().get(path).then()
                .statusCode(code)
                .contentType("application/json")
                .body("kind", equalTo("Status"))
                .body("apiVersion", equalTo("v1"))
                .body("status", equalTo("Failure"))
                .body("code", equalTo(code))
                .body("reason", equalTo(reason))
                .body("message", startsWith(message));
    }

    @Test
    void onlyGetIsAllowed() {
        Api.https().post("/apis/custom.metrics.k8s.io/v1beta2/namespaces/a/pods/*/concurrency").then()
                .statusCode(405).body("kind", equalTo("Status")).body("reason", equalTo("MethodNotAllowed"));
    }

    @Test
    void probesAnswerLikeKubeApiserver() {
        Api.https().get("/livez").then().statusCode(200).body(equalTo("ok"));
        Api.https().get("/healthz").then().statusCode(200).body(equalTo("ok"));
        // Ready only once the informers have listed the pods, which may be a moment after the app started
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> Api.https().get("/readyz").then().statusCode(200).body(equalTo("ok")));
        Api.management().get("/q/health/ready").then().statusCode(200)
                .body(containsString("pods-listed-and-read"));
    }
}
