package dev.hpa.adapter.testing;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * kube-apiserver's side of delegated auth, in the mock server: TokenReview knows two tokens, alice's and bob's,
 * and SubjectAccessReview allows user alice and group viewers and denies everyone else (bob too). Every review the adapter
 * sends is kept, so tests can check the attributes.
 */
public final class ClusterReviews {

    public static final String ALICE_TOKEN = "alice-token";
    /** A token TokenReview accepts (user bob, group dev) for a user SubjectAccessReview denies. */
    public static final String BOB_TOKEN = "bob-token";
    public static final List<SubjectAccessReviewSpec> ACCESS_REVIEWS = new CopyOnWriteArrayList<>();
    public static final List<String> TOKENS_REVIEWED = new CopyOnWriteArrayList<>();
    private static KubernetesServer installedOn;

    private ClusterReviews() {}

    public static synchronized void install(KubernetesServer server) {
        if (installedOn == server) {
            return;
        }
        installedOn = server;
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews")
                .andReply(201, request -> tokenReview(request.getUtf8Body())).always();
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                .andReply(201, request -> accessReview(request.getUtf8Body())).always();
    }

    /** TokenReview's answer to {@code body}, as {@link #install} gives it. */
    static TokenReview tokenReview(String body) {
        TokenReview review = Serialization.unmarshal(body, TokenReview.class);
        String token = review.getSpec().getToken();
        TOKENS_REVIEWED.add(token);
        boolean alice = ALICE_TOKEN.equals(token);
        boolean bob = BOB_TOKEN.equals(token);
        review.setStatus(new io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder()
                .withAuthenticated(alice || bob)
                .withUser(alice ? new UserInfoBuilder().withUsername("alice").withUid("alice-uid")
                        .withGroups("dev").withExtra(Map.of("scopes", List.of("metrics"))).build()
                        : bob ? new UserInfoBuilder().withUsername("bob").withUid("bob-uid").withGroups("dev").build()
                        : null)
                .build());
        return review;
    }

    /** SubjectAccessReview's answer to {@code body}, as {@link #install} gives it. */
    static SubjectAccessReview accessReview(String body) {
        SubjectAccessReview review = Serialization.unmarshal(body, SubjectAccessReview.class);
        SubjectAccessReviewSpec spec = review.getSpec();
        ACCESS_REVIEWS.add(spec);
        boolean allowed = "alice".equals(spec.getUser())
                || (spec.getGroups() != null && spec.getGroups().contains("viewers"));
        review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed)
                .withReason(allowed ? "RBAC: allowed by ClusterRoleBinding \"viewers\"" : "").build());
        return review;
    }

    /** The latest review sent for {@code user}. */
    public static SubjectAccessReviewSpec lastReviewOf(String user) {
        for (int i = ACCESS_REVIEWS.size() - 1; i >= 0; i--) {
            if (user.equals(ACCESS_REVIEWS.get(i).getUser())) {
                return ACCESS_REVIEWS.get(i);
            }
        }
        throw new AssertionError("no SubjectAccessReview was sent for " + user + ": " + ACCESS_REVIEWS);
    }
}
