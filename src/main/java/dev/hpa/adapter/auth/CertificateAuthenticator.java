package dev.hpa.adapter.auth;

import dev.hpa.adapter.auth.ChainVerifier.Status;
import dev.hpa.adapter.auth.ChainVerifier.Verdict;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Authenticates a request by its TLS client certificate, as the first two authenticators of kube's delegated
 * authentication do, in kube's order:
 * <ol>
 * <li><b>Front proxy</b> (request-header): the chain verifies against the request-header CA with clientAuth usage
 * and the leaf's CN is in {@code allowedNames} (any CN when that is empty). Then, and only then, the caller is read
 * from the identity headers (X-Remote-User, X-Remote-Group, X-Remote-Extra-*, X-Remote-Uid).</li>
 * <li><b>Client certificate</b>: the chain verifies against the client CA; user = CN, groups = O values.</li>
 * </ol>
 *
 * <p><b>Security:</b> identity headers are trusted in the {@link Outcome#FRONT_PROXY} outcome alone. In every other
 * outcome (a client certificate, no certificate, a rejected one) they are ignored, since any client can send them;
 * a caller of this class must likewise never read them itself.
 *
 * <p>Verification happens here, per request, rather than in the TLS handshake (see {@link ClientTrustManager}), so
 * that a bad certificate gets a 401 with a {@link Result#reason()} a person can act on. Instances are immutable:
 * build a new one when the settings change.
 */
public final class CertificateAuthenticator {

    /** How a request's certificate turned out. */
    public enum Outcome {
        /** kube-apiserver's proxy, vouching for the caller in the identity headers. */
        FRONT_PROXY,
        /** A certificate from the client CA: the caller is the certificate's subject. */
        CLIENT_CERT,
        /**
         * No certificate, or no CA configured to judge it: try a bearer token, then anonymous. Identity headers do
         * not count as credentials.
         */
        NONE,
        /** A certificate that cannot be accepted; answer 401 with the reason unless a bearer token authenticates. */
        REJECTED
    }

    /**
     * The outcome, the caller for {@link Outcome#FRONT_PROXY} and {@link Outcome#CLIENT_CERT} (null otherwise), and
     * why for {@link Outcome#REJECTED} ("" otherwise).
     */
    public record Result(Outcome outcome, Caller caller, String reason) {

        public Result {
            Objects.requireNonNull(outcome, "outcome");
            reason = reason == null ? "" : reason;
            boolean authenticated = outcome == Outcome.FRONT_PROXY || outcome == Outcome.CLIENT_CERT;
            if (authenticated != (caller != null)) {
                throw new IllegalArgumentException(
                        outcome + " must " + (authenticated ? "" : "not ") + "carry a caller");
            }
        }

        public static Result frontProxy(Caller caller) {
            return new Result(Outcome.FRONT_PROXY, caller, "");
        }

        public static Result clientCert(Caller caller) {
            return new Result(Outcome.CLIENT_CERT, caller, "");
        }

        public static Result none() {
            return new Result(Outcome.NONE, null, "");
        }

        public static Result rejected(String reason) {
            return new Result(Outcome.REJECTED, null, reason);
        }

        /** The caller when the certificate authenticated the request. */
        public Optional<Caller> authenticatedCaller() {
            return Optional.ofNullable(caller);
        }
    }

    private final AuthenticationSettings settings;
    private final ChainVerifier frontProxyAuthorities;
    private final ChainVerifier clientAuthorities;
    private final Clock clock;

    public CertificateAuthenticator(AuthenticationSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** @param clock decides "now" for the validity periods; tests move it instead of waiting */
    public CertificateAuthenticator(AuthenticationSettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.frontProxyAuthorities = new ChainVerifier(settings.requestHeaderCAs());
        this.clientAuthorities = new ChainVerifier(settings.clientCAs());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public AuthenticationSettings settings() {
        return settings;
    }

    /**
     * What a certificate chain proves, before any header is read: the costly part (PKIX path validation against
     * both CA sets), which depends on the chain alone and so can be kept for a TLS session's lifetime.
     *
     * @param frontProxy    verified by the request-header CA, with an allowed CN: the headers may name the caller
     * @param chainProblem  why the front-proxy check failed, or null
     * @param client        the outcome of the client-CA check when that CA verified the chain, else null
     * @param clientProblem why the client-CA check failed for a chain it recognised, or null
     * @param unknown       the reason to give when no CA recognised the chain at all
     * @param validUntil    the earliest notAfter of the chain: past it, verify again
     */
    public record Verification(X509Certificate leaf, boolean frontProxy, String chainProblem, Result client,
            String clientProblem, String unknown, Instant validUntil) {

        /** No certificate, or no CA to judge it by. */
        public static final Verification NONE = new Verification(null, false, null, null, null, null, Instant.MAX);
    }

    /** @param peerChain the verified-by-nobody chain the TLS session holds (leaf first); null or empty without one */
    public Verification verify(X509Certificate[] peerChain) {
        if (peerChain == null || peerChain.length == 0) {
            return Verification.NONE;
        }
        // kube: "if there are intentionally no CA bundle contents, then we cannot authenticate this request".
        if (!frontProxyAuthorities.hasAuthorities() && !clientAuthorities.hasAuthorities()) {
            return Verification.NONE;
        }
        Instant now = clock.instant();
        X509Certificate leaf = peerChain[0];
        boolean frontProxy = false;
        String chainProblem = null;
        Verdict proxyVerdict = frontProxyAuthorities.verify(peerChain, now);
        if (proxyVerdict.trusted()) {
            String commonName = SubjectNames.commonName(leaf);
            frontProxy = isAllowedName(commonName);
            chainProblem = frontProxy ? null : "x509: subject with cn=" + commonName + " is not in the allowed list";
        } else if (proxyVerdict.status() == Status.INVALID) {
            chainProblem = proxyVerdict.problem();
        }
        // A front-proxy certificate that failed its own checks still counts as a client certificate when the client
        // CA also verifies it, just as kube's union of authenticators goes on to the next one.
        Verdict clientVerdict = clientAuthorities.verify(peerChain, now);
        Result client = clientVerdict.trusted() ? clientIdentity(leaf) : null;
        String clientProblem = clientVerdict.status() == Status.INVALID ? clientVerdict.problem() : null;
        return new Verification(leaf, frontProxy, chainProblem, client, clientProblem, clientVerdict.problem(),
                earliestNotAfter(peerChain));
    }

    /**
     * @param peerChain the verified-by-nobody chain the TLS session holds (leaf first); null or empty without one
     * @param headers all values of a header name; the lookup must ignore case, as HTTP header names do
     * @param headerNames every header name of the request, needed to find the extra headers by prefix
     */
    public Result authenticate(X509Certificate[] peerChain, Function<String, List<String>> headers,
            Collection<String> headerNames) {
        return authenticate(verify(peerChain), headers, headerNames);
    }

    /** The request's outcome from a chain's {@link #verify verification} and the request's headers. */
    public Result authenticate(Verification verification, Function<String, List<String>> headers,
            Collection<String> headerNames) {
        if (verification.leaf() == null) {
            return Result.none();
        }
        List<String> problems = new ArrayList<>();
        if (verification.frontProxy()) {
            Optional<Caller> proxied = new FrontProxyHeaders(settings, headers, headerNames).caller();
            if (proxied.isPresent()) {
                return Result.frontProxy(proxied.get());
            }
            problems.add("front-proxy certificate " + ChainVerifier.describe(verification.leaf())
                    + " came without a user name in " + String.join(" or ", settings.usernameHeaders()));
        } else if (verification.chainProblem() != null) {
            problems.add(verification.chainProblem());
        }
        if (verification.client() != null) {
            return verification.client();
        }
        if (verification.clientProblem() != null) {
            problems.add(verification.clientProblem());
        }
        // "Signed by unknown authority" only when no CA recognised the certificate at all.
        return Result.rejected(problems.isEmpty() ? verification.unknown() : String.join("; ", problems));
    }

    private static Instant earliestNotAfter(X509Certificate[] chain) {
        Instant earliest = Instant.MAX;
        for (X509Certificate certificate : chain) {
            Instant notAfter = certificate.getNotAfter().toInstant();
            if (notAfter.isBefore(earliest)) {
                earliest = notAfter;
            }
        }
        return earliest;
    }

    /**
     * The same with the headers as a map, e.g. JAX-RS {@code ContainerRequestContext.getHeaders()}; names are matched
     * case-insensitively here, whatever the map does.
     */
    public Result authenticate(X509Certificate[] peerChain, Map<String, List<String>> headers) {
        return authenticate(peerChain, name -> valuesIgnoringCase(headers, name), headers.keySet());
    }

    /** For a leaf the client CA verified: user = CN, groups = O values; no header is looked at. */
    private static Result clientIdentity(X509Certificate leaf) {
        String user = SubjectNames.commonName(leaf);
        if (user.isEmpty()) {
            // kube would fall through to anonymous; a 401 that says why is kinder to whoever made the certificate.
            return Result.rejected("client certificate " + ChainVerifier.describe(leaf)
                    + " has no common name (CN) to use as the user name");
        }
        List<String> groups = new ArrayList<>(SubjectNames.organizations(leaf));
        if (!groups.contains(Caller.AUTHENTICATED)) {
            groups.add(Caller.AUTHENTICATED);
        }
        return Result.clientCert(new Caller(user, "", List.copyOf(groups), Map.of()));
    }

    private boolean isAllowedName(String commonName) {
        return settings.allowedNames().isEmpty() || settings.allowedNames().contains(commonName);
    }

    private static List<String> valuesIgnoringCase(Map<String, List<String>> headers, String name) {
        List<String> values = new ArrayList<>();
        headers.forEach((key, list) -> {
            if (key != null && key.equalsIgnoreCase(name) && list != null) {
                values.addAll(list);
            }
        });
        return values;
    }
}
