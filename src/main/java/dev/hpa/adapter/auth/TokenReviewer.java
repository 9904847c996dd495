package dev.hpa.adapter.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates bearer tokens the way a delegating kube apiserver does: it asks kube-apiserver with an
 * {@code authentication.k8s.io/v1} TokenReview and caches the answer, positive or negative, for a TTL (kube's
 * default is 10 s), so that the HPA's request every 15 s costs one review per token per TTL at most.
 *
 * <p>The cache is keyed by the SHA-256 of the token, never the token, so that a heap dump does not hand out
 * credentials. A failed call is not cached: it throws {@link AuthenticationUnavailableException}. (kube's cached
 * authenticator does keep such failures for its failure TTL; here a brief API hiccup does not lock callers out.)
 */
public final class TokenReviewer {

    /** Enough for every service account of a large cluster; beyond it the oldest entries go first. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    private final KubernetesClient client;
    private final Duration ttl;
    private final ExpiringCache<TokenDigest, Optional<Caller>> cache;

    public TokenReviewer(KubernetesClient client, Duration ttl, Clock clock) {
        this(client, ttl, clock, DEFAULT_MAX_ENTRIES);
    }

    public TokenReviewer(KubernetesClient client, Duration ttl, Clock clock, int maxEntries) {
        this.client = client;
        this.ttl = ttl;
        this.cache = new ExpiringCache<>(maxEntries, clock);
    }

    /**
     * Who the token belongs to, or empty when kube-apiserver says it authenticates nobody (unknown, expired,
     * wrong audience) or the token is blank.
     *
     * @throws AuthenticationUnavailableException when kube-apiserver could not be asked
     */
    public Optional<Caller> review(String bearerToken) {
        Optional<Optional<Caller>> known = known(bearerToken);
        if (known.isPresent()) {
            return known.get();
        }
        Optional<Caller> reviewed = callerOf(create(bearerToken).getStatus());
        cache.put(TokenDigest.of(bearerToken), reviewed, ttl);
        return reviewed;
    }

    /**
     * The answer {@link #review} would give without asking kube-apiserver: the cached caller, or an empty caller
     * for a token cached as authenticating nobody (and for a blank token); empty only when kube-apiserver must be
     * asked. A hit costs a digest and a lookup, so the caller can answer it on the event loop.
     */
    public Optional<Optional<Caller>> known(String bearerToken) {
        if (bearerToken == null || bearerToken.isBlank()) {
            return Optional.of(Optional.empty()); // nothing to review, and nothing worth a cache entry
        }
        return Optional.ofNullable(cache.get(TokenDigest.of(bearerToken)));
    }

    private TokenReview create(String bearerToken) {
        TokenReview review = new TokenReviewBuilder().withNewMetadata().endMetadata().withNewSpec().withToken(bearerToken)
                .endSpec().build();
        try {
            return client.authentication().v1().tokenReviews().create(review);
        } catch (KubernetesClientException e) {
            throw new AuthenticationUnavailableException("TokenReview failed (" + describe(e) + "): check that "
                    + "kube-apiserver is reachable and that the adapter's service account may create "
                    + "tokenreviews.authentication.k8s.io (a ClusterRoleBinding to the ClusterRole "
                    + "system:auth-delegator)", e);
        }
    }

    /** Maps status.user like kube's webhook token authenticator, plus the group every authenticated user has. */
    private static Optional<Caller> callerOf(TokenReviewStatus status) {
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
            return Optional.empty();
        }
        UserInfo user = status.getUser();
        return Optional.of(new Caller(
                orEmpty(user.getUsername()), orEmpty(user.getUid()), groupsOf(user), extraOf(user)));
    }

    /** The reviewed groups plus system:authenticated, unless the review already put either pseudo-group in. */
    private static List<String> groupsOf(UserInfo user) {
        List<String> groups = new ArrayList<>(user.getGroups() == null ? List.of() : user.getGroups());
        if (!groups.contains(Caller.AUTHENTICATED) && !groups.contains("system:unauthenticated")) {
            groups.add(Caller.AUTHENTICATED);
        }
        return List.copyOf(groups);
    }

    private static Map<String, List<String>> extraOf(UserInfo user) {
        if (user.getExtra() == null) {
            return Map.of();
        }
        Map<String, List<String>> extra = new HashMap<>();
        user.getExtra().forEach((key, values) -> extra.put(key, values == null ? List.of() : List.copyOf(values)));
        return Map.copyOf(extra);
    }

    static String describe(KubernetesClientException e) {
        return e.getCode() > 0 ? "HTTP " + e.getCode() + ": " + e.getMessage() : String.valueOf(e.getMessage());
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    /** The SHA-256 of a token as four longs: cheap to hash and compare, and no array to copy defensively. */
    record TokenDigest(long first, long second, long third, long fourth) {

        static TokenDigest of(String token) {
            ByteBuffer digest = ByteBuffer.wrap(sha256().digest(token.getBytes(StandardCharsets.UTF_8)));
            return new TokenDigest(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }
    }
}
