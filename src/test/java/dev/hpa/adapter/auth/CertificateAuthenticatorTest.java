package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.auth.CertificateAuthenticator.Outcome;
import dev.hpa.adapter.auth.CertificateAuthenticator.Result;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyType;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole decision table of certificate authentication, with real certificates. Each case runs through both
 * entry points (map of headers; lookup function plus names) and must come out the same.
 */
class CertificateAuthenticatorTest {

    private static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    private static final Authority CLUSTER_CA = TestCertificates.authority("kubernetes");
    private static final Authority UNKNOWN_CA = TestCertificates.authority("someone-else");
    /** Same name as the real front-proxy CA, different key: what a forger would make. */
    private static final Authority LOOKALIKE_CA = TestCertificates.authority("front-proxy-ca");
    private static final Authority CLUSTER_INTERMEDIATE = CLUSTER_CA.intermediate("kubernetes-intermediate");

    private static final Issued PROXY = FRONT_PROXY_CA.issue(Leaf.client("front-proxy-client"));
    private static final Issued OTHER_PROXY = FRONT_PROXY_CA.issue(Leaf.client("other-client"));
    private static final Issued EXPIRED_PROXY = FRONT_PROXY_CA.issue(Leaf.client("front-proxy-client").asExpired());
    private static final Issued PROXY_SERVER_CERT = FRONT_PROXY_CA.issue(Leaf.server("front-proxy-client"));
    private static final Issued BOB = CLUSTER_CA.issue(Leaf.client("bob", "team-a", "team-b"));
    private static final Issued EXPIRED_BOB = CLUSTER_CA.issue(Leaf.client("bob", "team-a").asExpired());
    private static final Issued SERVER_CERT = CLUSTER_CA.issue(Leaf.server("metrics.example.svc"));
    private static final Issued CAROL_ANY_USAGE = CLUSTER_CA.issue(new Leaf("carol", List.of("ops"), List.of(),
            KeyPurposeId.anyExtendedKeyUsage, KeyType.EC, false));
    private static final Issued DAVE_VIA_INTERMEDIATE = CLUSTER_INTERMEDIATE.issue(Leaf.client("dave", "devs"));
    private static final Issued UNKNOWN_PROXY = UNKNOWN_CA.issue(Leaf.client("front-proxy-client"));
    private static final Issued LOOKALIKE_PROXY = LOOKALIKE_CA.issue(Leaf.client("front-proxy-client"));

    /** A cluster that publishes the UID header and allows only kube-apiserver's proxy certificate. */
    private static final AuthenticationSettings CLUSTER = AuthenticationSettings.fromConfigMap(Map.of(
            "client-ca-file", CLUSTER_CA.certificatePem(),
            "requestheader-client-ca-file", FRONT_PROXY_CA.certificatePem(),
            "requestheader-allowed-names", "[\"front-proxy-client\"]",
            "requestheader-username-headers", "[\"X-Remote-User\"]",
            "requestheader-group-headers", "[\"X-Remote-Group\"]",
            "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]",
            "requestheader-uid-headers", "[\"X-Remote-Uid\"]"));
    private static final AuthenticationSettings ANY_PROXY_NAME = new AuthenticationSettings(
            CLUSTER.requestHeaderCAs(), Set.of(), CLUSTER.usernameHeaders(), CLUSTER.groupHeaders(),
            CLUSTER.extraHeaderPrefixes(), CLUSTER.uidHeaders(), CLUSTER.clientCAs());
    /** A careless setup where one CA signs both kinds of certificates. */
    private static final AuthenticationSettings SHARED_CA = CLUSTER.withClientCAs(CLUSTER.requestHeaderCAs());

    private static final Clock NOW = Clock.fixed(Instant.now(), ZoneOffset.UTC);
    private static final Clock IN_THREE_DAYS = Clock.offset(NOW, Duration.ofDays(3));

    private static final Map<String, List<String>> ALICE_VIA_PROXY = headers(
            "x-remote-user", "alice",
            "X-Remote-Group", "dev",
            "X-Remote-Group", "ops",
            "X-Remote-Extra-Scopes", "read",
            "X-Remote-Extra-Scopes", "write",
            "X-Remote-Extra-Example.org%2FProject", "p1",
            "X-Remote-Uid", "42",
            "Accept", "application/json");
    private static final Caller ALICE = new Caller("alice", "42", List.of("dev", "ops", Caller.AUTHENTICATED),
            Map.of("scopes", List.of("read", "write"), "example.org/project", List.of("p1")));
    private static final Map<String, List<String>> FORGED = headers(
            "X-Remote-User", "system:admin",
            "X-Remote-Group", "system:masters");

    record Case(String name, AuthenticationSettings settings, Clock clock, X509Certificate[] chain,
            Map<String, List<String>> headers, Outcome outcome, Caller caller, String reasonFragment) {

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("front proxy with user, groups, extra and uid headers", CLUSTER, NOW, chain(PROXY),
                        ALICE_VIA_PROXY, Outcome.FRONT_PROXY, ALICE, ""),
                new Case("front proxy listing system:authenticated gets it once", CLUSTER, NOW, chain(PROXY),
                        headers("X-Remote-User", "alice", "X-Remote-Group", Caller.AUTHENTICATED,
                                "X-Remote-Group", ""),
                        Outcome.FRONT_PROXY, new Caller("alice", "", List.of(Caller.AUTHENTICATED), Map.of()), ""),
                new Case("front-proxy CN not in the allowed list", CLUSTER, NOW, chain(OTHER_PROXY), FORGED,
                        Outcome.REJECTED, null, "x509: subject with cn=other-client is not in the allowed list"),
                new Case("empty allowed list admits any CN from the front-proxy CA", ANY_PROXY_NAME, NOW,
                        chain(OTHER_PROXY), ALICE_VIA_PROXY, Outcome.FRONT_PROXY, ALICE, ""),
                new Case("front proxy without username header", CLUSTER, NOW, chain(PROXY),
                        headers("X-Remote-Group", "system:masters"),
                        Outcome.REJECTED, null, "without a user name in X-Remote-User"),
                new Case("front proxy with an empty username", CLUSTER, NOW, chain(PROXY),
                        headers("X-Remote-User", ""), Outcome.REJECTED, null, "without a user name"),
                new Case("certificate from an unknown CA", CLUSTER, NOW, chain(UNKNOWN_PROXY), FORGED,
                        Outcome.REJECTED, null, "signed by unknown authority"),
                new Case("certificate from a CA that only shares the front-proxy CA's name", CLUSTER, NOW,
                        chain(LOOKALIKE_PROXY), FORGED, Outcome.REJECTED, null, "signed by unknown authority"),
                new Case("expired front-proxy certificate", CLUSTER, NOW, chain(EXPIRED_PROXY), ALICE_VIA_PROXY,
                        Outcome.REJECTED, null, "has expired or is not yet valid"),
                new Case("expired client certificate", CLUSTER, NOW, chain(EXPIRED_BOB), Map.of(),
                        Outcome.REJECTED, null, "has expired or is not yet valid"),
                new Case("validity judged by the injected clock", CLUSTER, IN_THREE_DAYS, chain(PROXY),
                        ALICE_VIA_PROXY, Outcome.REJECTED, null, "has expired or is not yet valid"),
                new Case("client-CA certificate: CN and O, identity headers ignored", CLUSTER, NOW, chain(BOB),
                        ALICE_VIA_PROXY, Outcome.CLIENT_CERT,
                        new Caller("bob", "", List.of("team-a", "team-b", Caller.AUTHENTICATED), Map.of()), ""),
                new Case("client certificate with anyExtendedKeyUsage", CLUSTER, NOW, chain(CAROL_ANY_USAGE),
                        Map.of(), Outcome.CLIENT_CERT,
                        new Caller("carol", "", List.of("ops", Caller.AUTHENTICATED), Map.of()), ""),
                new Case("client certificate via an intermediate", CLUSTER, NOW, chain(DAVE_VIA_INTERMEDIATE),
                        Map.of(), Outcome.CLIENT_CERT,
                        new Caller("dave", "", List.of("devs", Caller.AUTHENTICATED), Map.of()), ""),
                new Case("chain sent with the root and out of order", CLUSTER, NOW,
                        new X509Certificate[] {DAVE_VIA_INTERMEDIATE.certificate(), CLUSTER_CA.certificate(),
                                CLUSTER_INTERMEDIATE.certificate()},
                        Map.of(), Outcome.CLIENT_CERT,
                        new Caller("dave", "", List.of("devs", Caller.AUTHENTICATED), Map.of()), ""),
                new Case("intermediate missing from the chain", CLUSTER, NOW,
                        new X509Certificate[] {DAVE_VIA_INTERMEDIATE.certificate()}, Map.of(),
                        Outcome.REJECTED, null, "signed by unknown authority"),
                new Case("no certificate, forged identity headers", CLUSTER, NOW, null, FORGED, Outcome.NONE,
                        null, ""),
                new Case("empty certificate chain", CLUSTER, NOW, new X509Certificate[0], FORGED, Outcome.NONE,
                        null, ""),
                new Case("server certificate from the client CA (no clientAuth usage)", CLUSTER, NOW,
                        chain(SERVER_CERT), Map.of(), Outcome.REJECTED, null, "incompatible key usage"),
                new Case("server certificate from the front-proxy CA (no clientAuth usage)", CLUSTER, NOW,
                        chain(PROXY_SERVER_CERT), ALICE_VIA_PROXY, Outcome.REJECTED, null,
                        "incompatible key usage"),
                new Case("one CA for both: a non-proxy CN falls through to client-certificate auth", SHARED_CA, NOW,
                        chain(OTHER_PROXY), FORGED, Outcome.CLIENT_CERT,
                        new Caller("other-client", "", List.of(Caller.AUTHENTICATED), Map.of()), ""),
                new Case("no CA configured: the certificate is not looked at", AuthenticationSettings.empty(), NOW,
                        chain(BOB), FORGED, Outcome.NONE, null, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void authenticates(Case c) {
        CertificateAuthenticator authenticator = new CertificateAuthenticator(c.settings(), c.clock());

        Result fromMap = authenticator.authenticate(c.chain(), c.headers());
        Result fromLookup = authenticator.authenticate(c.chain(), name -> lookup(c.headers(), name),
                c.headers().keySet());

        assertMatches(c, fromMap);
        assertEquals(fromMap, fromLookup, "both entry points");
    }

    private static void assertMatches(Case c, Result result) {
        assertEquals(c.outcome(), result.outcome(), () -> "outcome; reason: " + result.reason());
        assertEquals(c.caller(), result.caller());
        assertTrue(result.reason().contains(c.reasonFragment()),
                () -> "reason \"" + result.reason() + "\" should contain \"" + c.reasonFragment() + "\"");
        if (c.outcome() == Outcome.REJECTED) {
            assertTrue(!result.reason().isBlank());
        }
    }

    private static X509Certificate[] chain(Issued issued) {
        return issued.chain().toArray(X509Certificate[]::new);
    }

    /** Name-value pairs; a repeated name is a repeated header line. Names keep their case, as sent. */
    private static Map<String, List<String>> headers(String... namesAndValues) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.computeIfAbsent(namesAndValues[i], name -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return headers;
    }

    /** What a server's case-insensitive header lookup returns. */
    private static List<String> lookup(Map<String, List<String>> headers, String name) {
        Map<String, List<String>> byLowerCase = new HashMap<>();
        headers.forEach((key, values) -> byLowerCase.computeIfAbsent(key.toLowerCase(), k -> new ArrayList<>())
                .addAll(values));
        return byLowerCase.getOrDefault(name.toLowerCase(), List.of());
    }
}
