package dev.hpa.adapter.auth;

import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Objects;

/**
 * Authorizes requests the way a delegating kube apiserver does: members of system:masters are allowed outright,
 * everyone else is looked up with an {@code authorization.k8s.io/v1} SubjectAccessReview, whose answer is cached
 * per distinct review (user, uid, groups, extra and the request's attributes) for the allow or the deny TTL
 * (kube's defaults: 10 s each). The HPA asks the same question every 15 s, so nearly every request is a cache hit.
 *
 * <p>Always-allowed paths ({@code /healthz}, {@code /readyz}, {@code /livez}) are not decided here: the caller
 * should not call this for them. A failed call is not cached: it throws {@link AuthorizationUnavailableException}.
 */
public final class AccessReviewer {

    /** Enough for every (caller, metric path) pair of a large cluster; beyond it the oldest entries go first. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** Allowed, or denied with kube's reason (possibly empty). */
    public record Decision(boolean allowed, String reason) {

        public Decision {
            reason = reason == null ? "" : reason;
        }
    }

    private static final Decision MASTERS_ALLOWED = new Decision(true, "");

    private final KubernetesClient client;
    private final Duration allowTtl;
    private final Duration denyTtl;
    private final ExpiringCache<ReviewKey, Decision> cache;

    public AccessReviewer(KubernetesClient client, Duration allowTtl, Duration denyTtl, Clock clock) {
        this(client, allowTtl, denyTtl, clock, DEFAULT_MAX_ENTRIES);
    }

    public AccessReviewer(KubernetesClient client, Duration allowTtl, Duration denyTtl, Clock clock, int maxEntries) {
        this.client = client;
        this.allowTtl = allowTtl;
        this.denyTtl = denyTtl;
        this.cache = new ExpiringCache<>(maxEntries, clock);
    }

    /**
     * May this caller do what the request asks?
     *
     * @throws AuthorizationUnavailableException when kube-apiserver could not be asked
     */
    public Decision review(Caller caller, RequestAttributes attributes) {
        Optional<Decision> known = known(caller, attributes);
        if (known.isPresent()) {
            return known.get();
        }
        Decision decided = decisionOf(create(caller, attributes).getStatus());
        cache.put(new ReviewKey(caller, attributes), decided, decided.allowed() ? allowTtl : denyTtl);
        return decided;
    }

    /**
     * The decision without asking kube-apiserver: for system:masters, or from the cache; empty when only a review
     * can tell. Lets the request path stay on its event loop for the common case.
     */
    public Optional<Decision> known(Caller caller, RequestAttributes attributes) {
        if (caller.isMaster()) {
            // kube's always-allow group: the aggregator's availability probe comes as one
            return Optional.of(MASTERS_ALLOWED);
        }
        return Optional.ofNullable(cache.get(new ReviewKey(caller, attributes)));
    }

    private SubjectAccessReview create(Caller caller, RequestAttributes attributes) {
        SubjectAccessReview review = reviewOf(caller, attributes);
        try {
            return client.authorization().v1().subjectAccessReview().create(review);
        } catch (KubernetesClientException e) {
            throw new AuthorizationUnavailableException("SubjectAccessReview failed ("
                    + TokenReviewer.describe(e) + "): check that kube-apiserver is reachable and that the adapter's "
                    + "service account may create subjectaccessreviews.authorization.k8s.io (a ClusterRoleBinding to "
                    + "the ClusterRole system:auth-delegator)", e);
        }
    }

    /** The review kube's webhook authorizer sends: empty strings and collections left out, as Go's omitempty does. */
    static SubjectAccessReview reviewOf(Caller caller, RequestAttributes attributes) {
        // Empty metadata, as Go sends it ({"creationTimestamp":null}): some servers insist on the field.
        SubjectAccessReviewBuilder review = new SubjectAccessReviewBuilder()
                .withNewMetadata().endMetadata()
                .withNewSpec()
                .withUser(emptyToNull(caller.user()))
                .withUid(emptyToNull(caller.uid()))
                .withGroups(caller.groups() == null || caller.groups().isEmpty() ? null : caller.groups())
                .withExtra(caller.extra() == null || caller.extra().isEmpty() ? null : caller.extra())
                .withResourceAttributes(attributes.resourceRequest() ? resourceAttributes(attributes) : null)
                .withNonResourceAttributes(attributes.resourceRequest() ? null : nonResourceAttributes(attributes))
                .endSpec();
        return review.build();
    }

    private static ResourceAttributes resourceAttributes(RequestAttributes attributes) {
        return new ResourceAttributesBuilder()
                .withNamespace(emptyToNull(attributes.namespace()))
                .withVerb(emptyToNull(attributes.verb()))
                .withGroup(emptyToNull(attributes.apiGroup()))
                .withVersion(emptyToNull(attributes.apiVersion()))
                .withResource(emptyToNull(attributes.resource()))
                .withSubresource(emptyToNull(attributes.subresource()))
                .withName(emptyToNull(attributes.name()))
                .build();
    }

    private static NonResourceAttributes nonResourceAttributes(RequestAttributes attributes) {
        return new NonResourceAttributesBuilder()
                .withPath(emptyToNull(attributes.path()))
                .withVerb(emptyToNull(attributes.verb()))
                .build();
    }

    /** Like kube's webhook authorizer: allowed only if allowed and not also denied; "no opinion" denies here. */
    private static Decision decisionOf(SubjectAccessReviewStatus status) {
        if (status == null) {
            return new Decision(false, "");
        }
        boolean allowed = Boolean.TRUE.equals(status.getAllowed()) && !Boolean.TRUE.equals(status.getDenied());
        return new Decision(allowed, status.getReason());
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /**
     * The cache key: everything the review's spec holds, and nothing more. A resource review carries no path, so
     * the path is left out of resource keys ({@code %2A} and {@code *} share an entry anyway, being decoded).
     * The hash is computed once, since the key is built on every request.
     */
    static final class ReviewKey {

        private final Caller caller;
        private final RequestAttributes attributes;
        private final int hash;

        ReviewKey(Caller caller, RequestAttributes attributes) {
            this.caller = caller;
            this.attributes = attributes;
            this.hash = 31 * callerHash(caller) + attributesHash(attributes);
        }

        private static int callerHash(Caller caller) {
            // not Objects.hash: its varargs array would be one more allocation on every request
            int hash = Objects.hashCode(caller.user());
            hash = 31 * hash + Objects.hashCode(caller.uid());
            hash = 31 * hash + Objects.hashCode(caller.groups());
            return 31 * hash + Objects.hashCode(caller.extra());
        }

        private static int attributesHash(RequestAttributes a) {
            int hash = Boolean.hashCode(a.resourceRequest());
            hash = 31 * hash + a.verb().hashCode();
            if (!a.resourceRequest()) {
                return 31 * hash + a.path().hashCode();
            }
            hash = 31 * hash + a.namespace().hashCode();
            hash = 31 * hash + a.apiGroup().hashCode();
            hash = 31 * hash + a.apiVersion().hashCode();
            hash = 31 * hash + a.resource().hashCode();
            hash = 31 * hash + a.subresource().hashCode();
            return 31 * hash + a.name().hashCode();
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof ReviewKey key) || key.hash != hash) {
                return false;
            }
            return sameCaller(caller, key.caller) && sameAttributes(attributes, key.attributes);
        }

        private static boolean sameCaller(Caller a, Caller b) {
            return a == b
                    || Objects.equals(a.user(), b.user())
                            && Objects.equals(a.uid(), b.uid())
                            && Objects.equals(a.groups(), b.groups())
                            && Objects.equals(a.extra(), b.extra());
        }

        private static boolean sameAttributes(RequestAttributes a, RequestAttributes b) {
            if (a == b) {
                return true;
            }
            if (a.resourceRequest() != b.resourceRequest() || !a.verb().equals(b.verb())) {
                return false;
            }
            if (!a.resourceRequest()) {
                return a.path().equals(b.path());
            }
            return a.namespace().equals(b.namespace())
                    && a.apiGroup().equals(b.apiGroup())
                    && a.apiVersion().equals(b.apiVersion())
                    && a.resource().equals(b.resource())
                    && a.subresource().equals(b.subresource())
                    && a.name().equals(b.name());
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
