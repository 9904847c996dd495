package dev.hpa.adapter.certificates;

import dev.hpa.adapter.tls.ServingCertificate;
import dev.hpa.adapter.x509.CertificateBuilder;
import java.security.KeyPair;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * When the Secret's certificates must change, and into what; pure, so every step of a rotation is testable with
 * time passed in. A rotation happens in steps that each leave every caller able to verify every replica:
 * <ol>
 * <li>a new CA is added in front of the bundle, the old one stays, the serving certificate is left alone;</li>
 * <li>once every APIService trusts the new bundle ({@code bundlePublished}), the serving certificate is re-issued
 *     by the new CA — replicas still serving the old one are still trusted through the old CA;</li>
 * <li>an old CA leaves the bundle only when it has expired, and so has everything it signed.</li>
 * </ol>
 */
final class Rotation {

    static final Duration CA_VALIDITY = Duration.ofDays(10 * 365);
    static final Duration CA_RENEW_BEFORE = Duration.ofDays(365);
    static final Duration SERVING_VALIDITY = Duration.ofDays(365);
    static final Duration SERVING_RENEW_BEFORE = Duration.ofDays(90);
    /** Tolerates callers whose clocks run a little behind ours. */
    static final Duration BACKDATING = Duration.ofMinutes(5);
    static final String CA_SUBJECT = "CN=hpa-metrics-adapter-ca";
    static final String SERVING_SUBJECT = "CN=hpa-metrics-adapter";

    /** What to write, and why (for the log). */
    record Plan(CertificateBundle next, String why) {
    }

    private Rotation() {
    }

    /**
     * @param current         the Secret's bundle, empty when there is none (or it is unusable)
     * @param names           the DNS names and IP addresses the serving certificate must carry
     * @param bundlePublished whether every APIService the adapter serves trusts the current bundle
     * @return the next bundle, or empty when the current one is fine
     */
    static Optional<Plan> plan(Optional<CertificateBundle> current, Instant now, ServingNames names,
            boolean bundlePublished) {
        if (current.isEmpty()) {
            KeyPair caKeys = CertificateBuilder.ecP256KeyPair();
            X509Certificate ca = authority(caKeys, now);
            return Optional.of(new Plan(new CertificateBundle(List.of(ca), caKeys.getPrivate(),
                    serving(ca, caKeys, now, names), nextGeneration(0, now)),
                    "created a CA and a serving certificate"));
        }
        CertificateBundle bundle = current.get();
        X509Certificate signing = bundle.signingAuthority();

        List<X509Certificate> stillValid = new ArrayList<>(List.of(signing));
        bundle.authorities().stream().skip(1).filter(ca -> ca.getNotAfter().toInstant().isAfter(now))
                .forEach(stillValid::add);
        if (stillValid.size() < bundle.authorities().size()) {
            return Optional.of(new Plan(new CertificateBundle(stillValid, bundle.authorityKey(), bundle.serving(),
                    nextGeneration(bundle.generation(), now)), "dropped expired CAs from the bundle"));
        }

        if (!signing.getNotAfter().toInstant().isAfter(now.plus(CA_RENEW_BEFORE))) {
            KeyPair caKeys = CertificateBuilder.ecP256KeyPair();
            List<X509Certificate> authorities = new ArrayList<>(List.of(authority(caKeys, now)));
            authorities.addAll(bundle.authorities());
            return Optional.of(new Plan(new CertificateBundle(authorities, caKeys.getPrivate(), bundle.serving(),
                    nextGeneration(bundle.generation(), now)), "the CA expires at " + signing.getNotAfter().toInstant()
                            + ": added a new CA to the bundle; the serving certificate follows once every"
                            + " APIService trusts it"));
        }

        X509Certificate leaf = bundle.serving().leaf();
        Instant leafExpiry = leaf.getNotAfter().toInstant();
        String reason = null;
        if (!leafExpiry.isAfter(now.plus(SERVING_RENEW_BEFORE))) {
            reason = "the serving certificate expires at " + leafExpiry;
        } else if (!names(leaf).equals(names.all())) {
            reason = "the serving certificate names " + names(leaf) + ", not " + names.all();
        } else if (!bundle.servingIssuedBySigningAuthority()) {
            reason = "the serving certificate was issued by an older CA";
        }
        // Wait for the APIServices to trust the bundle before serving a chain from a CA they might not know yet,
        // unless the current certificate is already unusable.
        if (reason == null || (!bundlePublished && leafExpiry.isAfter(now))) {
            return Optional.empty();
        }
        KeyPair signingKeys = new KeyPair(signing.getPublicKey(), bundle.authorityKey());
        return Optional.of(new Plan(new CertificateBundle(bundle.authorities(), bundle.authorityKey(),
                serving(signing, signingKeys, now, names), bundle.generation()),
                reason + ": issued a new one"));
    }

    /**
     * Generations grow with every change of the trusted CAs, and start from the clock so that a Secret made anew
     * (deleted while no replica ran) still counts as newer than what the APIServices were given before.
     */
    static long nextGeneration(long previous, Instant now) {
        return Math.max(previous + 1, now.toEpochMilli());
    }

    private static X509Certificate authority(KeyPair keys, Instant now) {
        return new CertificateBuilder(CA_SUBJECT, keys.getPublic())
                .validity(now.minus(BACKDATING), now.plus(CA_VALIDITY))
                .certificateAuthority()
                .selfSigned(keys.getPrivate());
    }

    private static ServingCertificate serving(X509Certificate ca, KeyPair caKeys, Instant now, ServingNames names) {
        KeyPair keys = CertificateBuilder.ecP256KeyPair();
        // A CA is replaced CA_RENEW_BEFORE (>= SERVING_VALIDITY) before it expires, so what it issues never outlives
        // it, and it can leave the bundle at its own expiry.
        X509Certificate leaf = new CertificateBuilder(SERVING_SUBJECT, keys.getPublic())
                .validity(now.minus(BACKDATING), now.plus(SERVING_VALIDITY))
                .serverAuth(names.dnsNames(), names.ipAddresses())
                .issuedBy(ca, caKeys.getPrivate());
        return ServingCertificate.of(List.of(leaf, ca), keys.getPrivate());
    }

    private static List<String> names(X509Certificate leaf) {
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            return names == null ? List.of() : names.stream().map(name -> String.valueOf(name.get(1))).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
