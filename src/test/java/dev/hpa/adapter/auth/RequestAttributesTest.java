package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestAttributesTest {

    private static final String CM = "/apis/custom.metrics.k8s.io/v1beta2";

    /** method, raw path, then the expected attributes. */
    static Stream<Arguments> resourceRequests() {
        return Stream.of(
                // the HPA's Pods metric: `*` arrives escaped, or not (kubectl get --raw)
                row("GET", CM + "/namespaces/team-a/pods/%2A/concurrency?labelSelector=app%3Dllama",
                        resource("get", CM + "/namespaces/team-a/pods/*/concurrency", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "pods", "concurrency", "*")),
                row("GET", CM + "/namespaces/team-a/pods/*/concurrency",
                        resource("get", CM + "/namespaces/team-a/pods/*/concurrency", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "pods", "concurrency", "*")),
                row("GET", CM + "/namespaces/team-a/pods/%2a/concurrency",
                        resource("get", CM + "/namespaces/team-a/pods/*/concurrency", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "pods", "concurrency", "*")),
                // Object metric on an InferenceService
                row("GET", CM + "/namespaces/team-a/inferenceservices.serving.kserve.io/llama/concurrency",
                        resource("get", CM + "/namespaces/team-a/inferenceservices.serving.kserve.io/llama/concurrency",
                                "custom.metrics.k8s.io", "v1beta2", "team-a", "inferenceservices.serving.kserve.io",
                                "concurrency", "llama")),
                // Object metric on the Namespace: resource "metrics", the metric is the name, no subresource
                row("GET", CM + "/namespaces/team-a/metrics/concurrency",
                        resource("get", CM + "/namespaces/team-a/metrics/concurrency", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "metrics", "", "concurrency")),
                // root-scoped object
                row("GET", CM + "/nodes/%2A/foo",
                        resource("get", CM + "/nodes/*/foo", "custom.metrics.k8s.io", "v1beta2", "", "nodes", "foo",
                                "*")),
                // v1beta1 and metrics.k8s.io lists
                row("GET", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/team-a/pods/llama-0/rps",
                        resource("get", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/team-a/pods/llama-0/rps",
                                "custom.metrics.k8s.io", "v1beta1", "team-a", "pods", "rps", "llama-0")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods?labelSelector=a%3Db",
                        resource("list", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods", "metrics.k8s.io",
                                "v1beta1", "team-a", "pods", "", "")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/nodes",
                        resource("list", "/apis/metrics.k8s.io/v1beta1/nodes", "metrics.k8s.io", "v1beta1", "",
                                "nodes", "", "")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/nodes/node-1",
                        resource("get", "/apis/metrics.k8s.io/v1beta1/nodes/node-1", "metrics.k8s.io", "v1beta1", "",
                                "nodes", "", "node-1")),
                // watch: by query (anything but 0/false) or by the special verb segment
                row("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods?watch=true",
                        resource("watch", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods", "metrics.k8s.io",
                                "v1beta1", "team-a", "pods", "", "")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods?watch",
                        resource("watch", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods", "metrics.k8s.io",
                                "v1beta1", "team-a", "pods", "", "")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods?watch=FALSE",
                        resource("list", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods", "metrics.k8s.io",
                                "v1beta1", "team-a", "pods", "", "")),
                row("GET", "/apis/metrics.k8s.io/v1beta1/watch/namespaces/team-a/pods",
                        resource("watch", "/apis/metrics.k8s.io/v1beta1/watch/namespaces/team-a/pods",
                                "metrics.k8s.io", "v1beta1", "team-a", "pods", "", "")),
                // the core group: no group segment
                row("GET", "/api/v1/namespaces/team-a/pods/llama-0/log",
                        resource("get", "/api/v1/namespaces/team-a/pods/llama-0/log", "", "v1", "team-a", "pods",
                                "log", "llama-0")),
                row("GET", "/api/v1/namespaces",
                        resource("list", "/api/v1/namespaces", "", "v1", "", "namespaces", "", "")),
                row("GET", "/api/v1/namespaces/team-a",
                        resource("get", "/api/v1/namespaces/team-a", "", "v1", "team-a", "namespaces", "", "team-a")),
                // a namespace's own subresource is not a namespaced resource
                row("PUT", "/api/v1/namespaces/team-a/finalize",
                        resource("update", "/api/v1/namespaces/team-a/finalize", "", "v1", "team-a", "namespaces",
                                "finalize", "team-a")),
                // proxy takes no subresource
                row("GET", "/api/v1/proxy/namespaces/team-a/pods/llama-0/metrics",
                        resource("proxy", "/api/v1/proxy/namespaces/team-a/pods/llama-0/metrics", "", "v1", "team-a",
                                "pods", "", "llama-0")),
                // other methods
                row("HEAD", CM + "/namespaces/team-a/pods/%2A/concurrency",
                        resource("get", CM + "/namespaces/team-a/pods/*/concurrency", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "pods", "concurrency", "*")),
                row("POST", "/apis/apps/v1/namespaces/team-a/deployments",
                        resource("create", "/apis/apps/v1/namespaces/team-a/deployments", "apps", "v1", "team-a",
                                "deployments", "", "")),
                row("PATCH", "/apis/apps/v1/namespaces/team-a/deployments/d",
                        resource("patch", "/apis/apps/v1/namespaces/team-a/deployments/d", "apps", "v1", "team-a",
                                "deployments", "", "d")),
                row("DELETE", "/apis/apps/v1/namespaces/team-a/deployments",
                        resource("deletecollection", "/apis/apps/v1/namespaces/team-a/deployments", "apps", "v1",
                                "team-a", "deployments", "", "")),
                row("OPTIONS", "/apis/apps/v1/namespaces/team-a/deployments/d",
                        resource("", "/apis/apps/v1/namespaces/team-a/deployments/d", "apps", "v1", "team-a",
                                "deployments", "", "d")),
                // an escaped slash splits, as in kube (Go's decoded URL.Path); a plus is not a space in a path
                row("GET", CM + "/namespaces/team-a/pods/a%2Fb/c+d",
                        resource("get", CM + "/namespaces/team-a/pods/a/b/c+d", "custom.metrics.k8s.io", "v1beta2",
                                "team-a", "pods", "b", "a")),
                // a trailing slash is trimmed for parsing, kept in the path
                row("GET", CM + "/namespaces/team-a/metrics/concurrency/",
                        resource("get", CM + "/namespaces/team-a/metrics/concurrency/", "custom.metrics.k8s.io",
                                "v1beta2", "team-a", "metrics", "", "concurrency")));
    }

    static Stream<Arguments> nonResourceRequests() {
        return Stream.of(
                row("GET", "/apis", RequestAttributes.nonResource("get", "/apis")),
                row("GET", "/apis/custom.metrics.k8s.io", RequestAttributes.nonResource("get", "/apis/custom.metrics.k8s.io")),
                row("GET", CM, RequestAttributes.nonResource("get", CM)),
                row("GET", CM + "/", RequestAttributes.nonResource("get", CM + "/")),
                row("GET", "/api", RequestAttributes.nonResource("get", "/api")),
                row("GET", "/api/v1", RequestAttributes.nonResource("get", "/api/v1")),
                row("GET", "/openapi/v2", RequestAttributes.nonResource("get", "/openapi/v2")),
                row("GET", "/openapi/v3/apis/custom.metrics.k8s.io/v1beta2?hash=abc",
                        RequestAttributes.nonResource("get", "/openapi/v3/apis/custom.metrics.k8s.io/v1beta2")),
                row("GET", "/metrics", RequestAttributes.nonResource("get", "/metrics")),
                row("GET", "/version", RequestAttributes.nonResource("get", "/version")),
                row("GET", "/", RequestAttributes.nonResource("get", "/")),
                row("POST", "/healthz", RequestAttributes.nonResource("post", "/healthz")),
                // "apis" must be the first segment to be an API path
                row("GET", "/foo/apis/g/v/namespaces/x/pods", RequestAttributes.nonResource("get", "/foo/apis/g/v/namespaces/x/pods")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("resourceRequests")
    void resourceRequestsAreParsedLikeKube(String method, String rawPath, RequestAttributes expected) {
        assertEquals(expected, RequestAttributes.of(method, rawPath));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("nonResourceRequests")
    void otherPathsAreNonResourceRequests(String method, String rawPath, RequestAttributes expected) {
        assertEquals(expected, RequestAttributes.of(method, rawPath));
    }

    @Test
    void malformedEscapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", CM + "/namespaces/x/pods/%2/m"));
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", CM + "/namespaces/x/pods/%zz/m"));
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", CM + "/namespaces/x/pods/%ff/m"));
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", CM + "/namespaces/x/pods/%٣٣/m"));
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", CM + "/namespaces/x/pods/m%2"));
    }

    @Test
    void aSpecialVerbWithNothingAfterItIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> RequestAttributes.of("GET", "/apis/metrics.k8s.io/v1beta1/watch"));
    }

    @Test
    void escapedUtf8IsDecoded() {
        assertEquals("é", RequestAttributes.of("GET", CM + "/namespaces/x/pods/%C3%A9/m").name());
        assertEquals("é😀é*", RequestAttributes.of("GET", CM + "/namespaces/x/pods/é😀%C3%A9%2A/m").name());
    }

    private static Arguments row(String method, String rawPath, RequestAttributes expected) {
        return Arguments.of(method, rawPath, expected);
    }

    private static RequestAttributes resource(String verb, String path, String group, String version,
            String namespace, String resource, String subresource, String name) {
        return new RequestAttributes(true, verb, path, group, version, namespace, resource, subresource, name);
    }
}
