package dev.hpa.adapter.auth;

import dev.hpa.adapter.testing.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hpa.adapter.auth.AccessReviewer.Decision;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessReviewerTest {

    private static final String PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    private static final String CM = "/apis/custom.metrics.k8s.io/v1beta2";
    private static final Duration ALLOW_TTL = Duration.ofSeconds(10);
    private static final Duration DENY_TTL = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Caller HPA = new Caller("system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            "uid-1", List.of("system:serviceaccounts", "system:serviceaccounts:kube-system", Caller.AUTHENTICATED),
            Map.of("authentication.kubernetes.io/credential-id", List.of("JTI=abc")));
    private static final Caller ALICE = new Caller("alice", "", List.of(Caller.AUTHENTICATED), Map.of());
    private static final RequestAttributes PODS =
            RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/%2A/concurrency?labelSelector=app%3Dllama");

    private final ManualClock clock = new ManualClock();
    /** The review specs the adapter sent, as JSON trees, in order. */
    private final List<JsonNode> specsSent = new CopyOnWriteArrayList<>();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private AccessReviewer reviewer;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init();
        client = server.createClient(builder -> builder.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
        reviewer = new AccessReviewer(client, ALLOW_TTL, DENY_TTL, clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void theHpaPodsRequestIsReviewedWithKubesResourceAttributes() throws Exception {
        expectReviews(allowed(""));

        assertEquals(new Decision(true, ""), reviewer.review(HPA, PODS));

        assertEquals(JSON.readTree("""
                {
                  "user": "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
                  "uid": "uid-1",
                  "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
                  "extra": { "authentication.kubernetes.io/credential-id": ["JTI=abc"] },
                  "resourceAttributes": {
                    "namespace": "team-a", "verb": "get", "group": "custom.metrics.k8s.io", "version": "v1beta2",
                    "resource": "pods", "subresource": "concurrency", "name": "*"
                  }
                }"""), specsSent.get(0));
    }

    @Test
    void aNonResourcePathIsReviewedWithPathAndVerbAndEmptyFieldsLeftOut() throws Exception {
        expectReviews(denied("no RBAC policy matched"));

        Decision decision = reviewer.review(ALICE, RequestAttributes.of("GET", CM));

        assertEquals(new Decision(false, "no RBAC policy matched"), decision);
        assertEquals(JSON.readTree("""
                {
                  "user": "alice",
                  "groups": ["system:authenticated"],
                  "nonResourceAttributes": { "path": "/apis/custom.metrics.k8s.io/v1beta2", "verb": "get" }
                }"""), specsSent.get(0));
    }

    @Test
    void theNamespaceMetricHasNoSubresource() throws Exception {
        expectReviews(allowed(""));

        reviewer.review(ALICE, RequestAttributes.of("GET", CM + "/namespaces/team-a/metrics/concurrency"));

        assertEquals(JSON.readTree("""
                { "namespace": "team-a", "verb": "get", "group": "custom.metrics.k8s.io", "version": "v1beta2",
                  "resource": "metrics", "name": "concurrency" }"""),
                specsSent.get(0).get("resourceAttributes"));
    }

    @Test
    void mastersAreAllowedWithoutAReview() {
        Caller aggregator = new Caller("system:kube-aggregator", "", List.of(Caller.MASTERS), Map.of());

        assertTrue(reviewer.review(aggregator, RequestAttributes.of("GET", CM)).allowed());
        assertTrue(reviewer.review(aggregator, PODS).allowed());
        assertEquals(0, server.getRequestCount());
    }

    @Test
    void noOpinionAndAllowedPlusDeniedBothDeny() {
        expectReviews(review(false, false, "no opinion"), review(true, true, "both"));

        assertEquals(new Decision(false, "no opinion"), reviewer.review(ALICE, PODS));
        assertEquals(new Decision(false, "both"), reviewer.review(HPA, PODS));
    }

    @Test
    void anAllowIsCachedForTheAllowTtl() {
        expectReviews(allowed("RBAC: allowed by ClusterRoleBinding"), denied("revoked"));

        assertTrue(reviewer.review(HPA, PODS).allowed());
        clock.advance(ALLOW_TTL.minusMillis(1));
        // the same review from an equal, newly built caller and the raw `*`: one cache entry
        Caller sameHpa = new Caller(HPA.user(), HPA.uid(), List.copyOf(HPA.groups()), Map.copyOf(HPA.extra()));
        assertTrue(reviewer.review(sameHpa, RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/*/concurrency"))
                .allowed());
        assertEquals(1, specsSent.size());

        clock.advance(Duration.ofMillis(1));
        assertEquals(new Decision(false, "revoked"), reviewer.review(HPA, PODS));
        assertEquals(2, specsSent.size());
    }

    @Test
    void aDenyIsCachedForTheDenyTtl() {
        expectReviews(denied(""), allowed(""));

        assertFalse(reviewer.review(ALICE, PODS).allowed());
        clock.advance(DENY_TTL.minusMillis(1));
        assertFalse(reviewer.review(ALICE, PODS).allowed());
        assertEquals(1, specsSent.size());

        clock.advance(Duration.ofMillis(1));
        assertTrue(reviewer.review(ALICE, PODS).allowed(), "granted since");
        assertEquals(2, specsSent.size());
    }

    @Test
    void everyFieldOfTheReviewIsPartOfTheKey() {
        server.expect().post().withPath(PATH).andReply(201, request -> {
            record(request.getUtf8Body());
            return allowed("");
        }).always();
        List<Caller> callers = List.of(ALICE,
                new Caller("bob", "", ALICE.groups(), Map.of()),
                new Caller("alice", "uid-2", ALICE.groups(), Map.of()),
                new Caller("alice", "", List.of(Caller.AUTHENTICATED, "devs"), Map.of()),
                new Caller("alice", "", ALICE.groups(), Map.of("scopes", List.of("read"))));
        List<RequestAttributes> requests = List.of(PODS,
                RequestAttributes.of("GET", CM + "/namespaces/team-b/pods/%2A/concurrency"),
                RequestAttributes.of("GET", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/team-a/pods/%2A/concurrency"),
                RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/%2A/rps"),
                RequestAttributes.of("GET", CM + "/namespaces/team-a/pods/llama-0/concurrency"),
                RequestAttributes.of("GET", CM + "/namespaces/team-a/services/%2A/concurrency"),
                RequestAttributes.of("POST", CM + "/namespaces/team-a/pods/%2A/concurrency"),
                RequestAttributes.of("GET", CM),
                RequestAttributes.of("GET", "/apis/custom.metrics.k8s.io/v1beta1"));

        for (Caller caller : callers) {
            for (RequestAttributes request : requests) {
                reviewer.review(caller, request);
                reviewer.review(caller, request);
            }
        }

        assertEquals(callers.size() * requests.size(), specsSent.size());
    }

    @Test
    void anApiErrorSurfacesAndIsNotCached() {
        server.expect().post().withPath(PATH).andReply(403, request -> new StatusBuilder().withStatus("Failure")
                .withCode(403).withReason("Forbidden")
                .withMessage("subjectaccessreviews.authorization.k8s.io is forbidden").build()).once();
        expectReviews(allowed(""));

        AuthorizationUnavailableException failure =
                assertThrows(AuthorizationUnavailableException.class, () -> reviewer.review(HPA, PODS));
        assertTrue(failure.getMessage().contains("system:auth-delegator"), failure.getMessage());
        assertTrue(failure.getMessage().contains("subjectaccessreviews"), failure.getMessage());

        assertTrue(reviewer.review(HPA, PODS).allowed(), "the failure was not cached");
        assertEquals(2, server.getRequestCount());
    }

    /** Answers the next reviews in order, recording each spec sent. */
    private void expectReviews(SubjectAccessReview... answers) {
        for (SubjectAccessReview answer : answers) {
            server.expect().post().withPath(PATH).andReply(201, request -> {
                record(request.getUtf8Body());
                return answer;
            }).once();
        }
    }

    private void record(String body) {
        try {
            JsonNode review = JSON.readTree(body);
            assertEquals("authorization.k8s.io/v1", review.get("apiVersion").asText());
            assertEquals("SubjectAccessReview", review.get("kind").asText());
            specsSent.add(review.get("spec"));
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static SubjectAccessReview allowed(String reason) {
        return review(true, false, reason);
    }

    private static SubjectAccessReview denied(String reason) {
        return review(false, true, reason);
    }

    private static SubjectAccessReview review(boolean allowed, boolean denied, String reason) {
        return new SubjectAccessReviewBuilder().withNewStatus().withAllowed(allowed).withDenied(denied)
                .withReason(reason).endStatus().build();
    }
}
