package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForbiddenMessagesTest {

    private static final String CM = "/apis/custom.metrics.k8s.io/v1beta2";

    @Test
    void theHpaPodsRequestReadsLikeKubeApiserver() {
        RequestAttributes pods = RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/%2A/concurrency");
        assertEquals("pods.custom.metrics.k8s.io \"*\" is forbidden: User \"alice\" cannot get resource "
                        + "\"pods/concurrency\" in API group \"custom.metrics.k8s.io\" in the namespace \"team-a\"",
                ForbiddenMessages.message("alice", pods, ""));
        assertEquals(new ForbiddenMessages.StatusDetails("*", "custom.metrics.k8s.io", "pods"),
                ForbiddenMessages.details(pods));
    }

    @Test
    void theReviewsReasonIsAppended() {
        RequestAttributes pods = RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/%2A/concurrency");
        Caller caller = new Caller("system:serviceaccount:team-a:dev", "u-1", List.of(Caller.AUTHENTICATED), Map.of());
        assertEquals("pods.custom.metrics.k8s.io \"*\" is forbidden: User \"system:serviceaccount:team-a:dev\" "
                        + "cannot get resource \"pods/concurrency\" in API group \"custom.metrics.k8s.io\" in the "
                        + "namespace \"team-a\": no RBAC policy matched",
                ForbiddenMessages.message(caller, pods, "no RBAC policy matched"));
        assertEquals(ForbiddenMessages.message(caller, pods, ""), ForbiddenMessages.message(caller, pods, null));
    }

    @Test
    void theNamespaceMetricHasNoSubresource() {
        RequestAttributes namespace = RequestAttributes.of("GET", CM + "/namespaces/team-a/metrics/concurrency");
        assertEquals("metrics.custom.metrics.k8s.io \"concurrency\" is forbidden: User \"alice\" cannot get resource "
                        + "\"metrics\" in API group \"custom.metrics.k8s.io\" in the namespace \"team-a\"",
                ForbiddenMessages.message("alice", namespace, null));
    }

    @Test
    void clusterScopedRequestsSayAtTheClusterScope() {
        RequestAttributes nodes = RequestAttributes.of("GET", CM + "/nodes/node-1/foo");
        assertEquals("nodes.custom.metrics.k8s.io \"node-1\" is forbidden: User \"alice\" cannot get resource "
                        + "\"nodes/foo\" in API group \"custom.metrics.k8s.io\" at the cluster scope",
                ForbiddenMessages.message("alice", nodes, null));
    }

    @Test
    void listsHaveNoNameInTheLead() {
        RequestAttributes list = RequestAttributes.of("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods");
        assertEquals("pods.metrics.k8s.io is forbidden: User \"alice\" cannot list resource \"pods\" in API group "
                        + "\"metrics.k8s.io\" in the namespace \"team-a\"",
                ForbiddenMessages.message("alice", list, null));
        assertEquals(new ForbiddenMessages.StatusDetails("", "metrics.k8s.io", "pods"), ForbiddenMessages.details(list));
    }

    @Test
    void theCoreGroupIsAnEmptyGroup() {
        RequestAttributes core = RequestAttributes.of("GET", "/api/v1/namespaces/team-a/pods/p");
        assertEquals("pods \"p\" is forbidden: User \"alice\" cannot get resource \"pods\" in API group \"\" in the "
                + "namespace \"team-a\"", ForbiddenMessages.message("alice", core, null));
    }

    @Test
    void nonResourcePathsNameThePathAndHaveEmptyDetails() {
        RequestAttributes discovery = RequestAttributes.of("GET", CM);
        assertEquals("forbidden: User \"alice\" cannot get path \"/apis/custom.metrics.k8s.io/v1beta2\"",
                ForbiddenMessages.message("alice", discovery, null));
        assertEquals("forbidden: User \"system:anonymous\" cannot get path \"/metrics\": no",
                ForbiddenMessages.message(Caller.ANONYMOUS, RequestAttributes.of("GET", "/metrics"), "no"));
        assertTrue(ForbiddenMessages.details(discovery).isEmpty());
        assertFalse(ForbiddenMessages.details(RequestAttributes.of("GET", CM + "/nodes/n/m")).isEmpty());
    }

    @Test
    void quotingFollowsGo() {
        assertEquals("\"plain\"", ForbiddenMessages.GoQuoting.quote("plain"));
        assertEquals("\"a\\\"b\\\\c\"", ForbiddenMessages.GoQuoting.quote("a\"b\\c"));
        assertEquals("\"\\n\\t\\x00\\x7f\"", ForbiddenMessages.GoQuoting.quote("\n\t\u0000\u007f"));
        assertEquals("\"é 日本 😀\"", ForbiddenMessages.GoQuoting.quote("é 日本 😀"));
        assertEquals("\"\\u00a0\\u200b\\U000f0000\"", ForbiddenMessages.GoQuoting.quote("\u00a0\u200b\udb80\udc00"));
    }
}
