package dev.hpa.adapter.auth;

import dev.hpa.adapter.testing.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenReviewerTest {

    private static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final String HPA = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    private static final Duration TTL = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock();
    /** The tokens the adapter sent, in order. */
    private final List<String> tokensSent = new CopyOnWriteArrayList<>();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private TokenReviewer reviewer;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init();
        // no retries: a failing call must fail at once, as the lead's client should be configured too
        client = server.createClient(builder -> builder.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
        reviewer = new TokenReviewer(client, TTL, clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void aValidTokenBecomesTheReviewedUserPlusSystemAuthenticated() {
        expectReviews(authenticated(HPA, "uid-1", List.of("system:serviceaccounts", "system:serviceaccounts:kube-system"),
                Map.of("authentication.kubernetes.io/credential-id", List.of("JTI=abc"))));

        Optional<Caller> caller = reviewer.review("hpa-token");

        assertEquals(Optional.of(new Caller(HPA, "uid-1",
                        List.of("system:serviceaccounts", "system:serviceaccounts:kube-system", Caller.AUTHENTICATED),
                        Map.of("authentication.kubernetes.io/credential-id", List.of("JTI=abc")))),
                caller);
        assertEquals(List.of("hpa-token"), tokensSent);
    }

    @Test
    void systemAuthenticatedIsNotAddedTwice() {
        expectReviews(authenticated("alice", null, List.of(Caller.AUTHENTICATED, "devs"), null));

        Caller alice = reviewer.review("alice-token").orElseThrow();

        assertEquals(List.of(Caller.AUTHENTICATED, "devs"), alice.groups());
        assertEquals("", alice.uid());
        assertEquals(Map.of(), alice.extra());
    }

    @Test
    void anInvalidTokenAuthenticatesNobody() {
        expectReviews(unauthenticated("token has expired"));

        assertEquals(Optional.empty(), reviewer.review("expired-token"));
    }

    @Test
    void aBlankTokenIsNotReviewed() {
        assertEquals(Optional.empty(), reviewer.review(""));
        assertEquals(Optional.empty(), reviewer.review(null));
        assertEquals(0, server.getRequestCount());
    }

    @Test
    void bothOutcomesAreCachedForTheTtl() {
        expectReviews(authenticated(HPA, "uid-1", List.of(), Map.of()), unauthenticated(""));

        Optional<Caller> first = reviewer.review("hpa-token");
        assertTrue(reviewer.review("bad-token").isEmpty());
        clock.advance(TTL.minusMillis(1));

        assertEquals(first, reviewer.review("hpa-token"));
        assertTrue(reviewer.review("bad-token").isEmpty());
        assertEquals(List.of("hpa-token", "bad-token"), tokensSent, "the second round came from the cache");
    }

    @Test
    void knownAnswersFromTheCacheAloneAndNeverAsks() {
        expectReviews(authenticated(HPA, "uid-1", List.of(), Map.of()), unauthenticated(""));

        assertEquals(Optional.empty(), reviewer.known("hpa-token"), "not reviewed yet: kube-apiserver must be asked");
        Optional<Caller> hpa = reviewer.review("hpa-token");
        reviewer.review("bad-token");

        assertEquals(Optional.of(hpa), reviewer.known("hpa-token"));
        assertEquals(Optional.of(Optional.empty()), reviewer.known("bad-token"), "known to authenticate nobody");
        assertEquals(Optional.of(Optional.empty()), reviewer.known(" "), "a blank token needs no review");
        clock.advance(TTL);
        assertEquals(Optional.empty(), reviewer.known("hpa-token"), "expired: asked again");
        assertEquals(List.of("hpa-token", "bad-token"), tokensSent);
    }

    @Test
    void anEntryExpiresAfterTheTtl() {
        expectReviews(authenticated(HPA, "uid-1", List.of(), Map.of()), unauthenticated("token has been revoked"));

        assertTrue(reviewer.review("hpa-token").isPresent());
        clock.advance(TTL);

        assertFalse(reviewer.review("hpa-token").isPresent(), "asked again, and the token is revoked now");
        assertEquals(List.of("hpa-token", "hpa-token"), tokensSent);
    }

    @Test
    void anApiErrorSurfacesAndIsNotCached() {
        server.expect().post().withPath(PATH).andReply(403, request -> new StatusBuilder().withStatus("Failure")
                .withCode(403).withReason("Forbidden").withMessage("tokenreviews.authentication.k8s.io is forbidden")
                .build()).once();
        server.expect().post().withPath(PATH).andReply(500, request -> "boom").once();
        expectReviews(authenticated(HPA, "uid-1", List.of(), Map.of()));

        AuthenticationUnavailableException forbidden =
                assertThrows(AuthenticationUnavailableException.class, () -> reviewer.review("hpa-token"));
        assertTrue(forbidden.getMessage().contains("system:auth-delegator"), forbidden.getMessage());
        assertTrue(forbidden.getMessage().contains("HTTP 403"), forbidden.getMessage());
        assertThrows(AuthenticationUnavailableException.class, () -> reviewer.review("hpa-token"));

        assertTrue(reviewer.review("hpa-token").isPresent(), "the failures were not cached");
        assertEquals(3, server.getRequestCount());
    }

    @Test
    void theCacheIsBounded() {
        reviewer = new TokenReviewer(client, TTL, clock, 10);
        server.expect().post().withPath(PATH).andReply(200, request -> {
            record(request.getUtf8Body());
            return unauthenticated("");
        }).always();

        for (int i = 0; i < 100; i++) {
            reviewer.review("token-" + i);
        }
        reviewer.review("token-99"); // the newest survives
        reviewer.review("token-0"); // the oldest went first

        assertEquals(101, tokensSent.size());
        assertEquals("token-0", tokensSent.get(100));
    }

    @Test
    void tokensAreKeptOnlyAsDigests() {
        TokenReviewer.TokenDigest digest = TokenReviewer.TokenDigest.of("secret-token");
        assertEquals(digest, TokenReviewer.TokenDigest.of("secret-token"));
        assertFalse(digest.toString().contains("secret"));
        assertFalse(digest.equals(TokenReviewer.TokenDigest.of("secret-token2")));
    }

    /** Answers the next reviews in order, recording each token sent. */
    private void expectReviews(TokenReview... answers) {
        for (TokenReview answer : answers) {
            server.expect().post().withPath(PATH).andReply(201, request -> {
                record(request.getUtf8Body());
                return answer;
            }).once();
        }
    }

    private void record(String body) {
        TokenReview sent = client.getKubernetesSerialization().unmarshal(body, TokenReview.class);
        assertEquals("authentication.k8s.io/v1", sent.getApiVersion());
        assertEquals("TokenReview", sent.getKind());
        tokensSent.add(sent.getSpec().getToken());
    }

    private static TokenReview authenticated(String user, String uid, List<String> groups,
            Map<String, List<String>> extra) {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(true).withNewUser()
                .withUsername(user).withUid(uid).withGroups(groups).withExtra(extra).endUser().endStatus().build();
    }

    private static TokenReview unauthenticated(String error) {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(false).withError(error).endStatus().build();
    }
}
