package dev.hpa.adapter.auth;

import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a presented certificate chain against one CA set the way Go's {@code x509.Certificate.Verify} does for
 * kube's authenticators: PKIX path validation at a given time without revocation checks, then the extended key
 * usage clientAuth on every certificate of the chain that restricts its usage.
 */
final class ChainVerifier {

    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    /** What became of a chain: trusted, not issued by this CA set at all, or issued by it but unusable. */
    enum Status {
        TRUSTED, UNKNOWN_AUTHORITY, INVALID
    }

    record Verdict(Status status, String problem) {

        static final Verdict TRUSTED = new Verdict(Status.TRUSTED, "");

        boolean trusted() {
            return status == Status.TRUSTED;
        }
    }

    private final Set<TrustAnchor> anchors;
    private final List<X509Certificate> authorities;

    ChainVerifier(List<X509Certificate> authorities) {
        this.authorities = List.copyOf(authorities);
        Set<TrustAnchor> trustAnchors = new LinkedHashSet<>();
        authorities.forEach(authority -> trustAnchors.add(new TrustAnchor(authority, null)));
        this.anchors = Set.copyOf(trustAnchors);
    }

    boolean hasAuthorities() {
        return !anchors.isEmpty();
    }

    /**
     * @param presented the peer's chain, leaf first, as TLS delivered it (intermediates in any order, root optional)
     */
    Verdict verify(X509Certificate[] presented, Instant now) {
        X509Certificate leaf = presented[0];
        if (!hasAuthorities()) {
            return unknownAuthority(leaf);
        }
        List<X509Certificate> path = pathFrom(presented);
        PKIXCertPathValidatorResult result;
        try {
            result = validate(path, now);
        } catch (CertPathValidatorException e) {
            return explain(e, path, leaf, now);
        }
        List<X509Certificate> chain = new ArrayList<>(path);
        chain.add(result.getTrustAnchor().getTrustedCert());
        return checkAuthorityValidity(result.getTrustAnchor().getTrustedCert(), now)
                .orElseGet(() -> checkClientAuthUsage(chain));
    }

    /**
     * Leaf first, then each presented certificate that issued the one before, until one is issued by a CA of this
     * set. A root the client sent along is left out: PKIX wants the path without its anchor. Go accepts
     * intermediates in any order, so the order is rebuilt here rather than trusted.
     */
    private List<X509Certificate> pathFrom(X509Certificate[] presented) {
        List<X509Certificate> path = new ArrayList<>(List.of(presented[0]));
        List<X509Certificate> candidates = new ArrayList<>();
        for (int i = 1; i < presented.length; i++) {
            if (!authorities.contains(presented[i])) {
                candidates.add(presented[i]);
            }
        }
        X509Certificate current = presented[0];
        while (!issuedByAuthority(current)) {
            X509Certificate issuer = findIssuer(current, candidates);
            if (issuer == null) {
                break;
            }
            candidates.remove(issuer);
            path.add(issuer);
            current = issuer;
        }
        return path;
    }

    private boolean issuedByAuthority(X509Certificate certificate) {
        return authorities.stream().anyMatch(
                authority -> authority.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()));
    }

    private static X509Certificate findIssuer(X509Certificate certificate, List<X509Certificate> candidates) {
        return candidates.stream()
                .filter(candidate -> candidate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()))
                .findFirst().orElse(null);
    }

    private PKIXCertPathValidatorResult validate(List<X509Certificate> path, Instant now)
            throws CertPathValidatorException {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            // Like Go's verifier, which has no revocation checking; kube relies on short-lived certificates instead.
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            return (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (CertificateException | InvalidAlgorithmParameterException e) {
            throw new CertPathValidatorException(e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK offers no PKIX certificate path validator", e);
        }
    }

    private static Verdict explain(CertPathValidatorException e, List<X509Certificate> path, X509Certificate leaf,
            Instant now) {
        CertPathValidatorException.Reason reason = e.getReason();
        if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            return unknownAuthority(leaf);
        }
        // The last certificate of the path is checked against the anchor's key: a CA with the same name but another
        // key (a rogue or a replaced CA) fails its signature there.
        boolean checkedAgainstAnchor = e.getIndex() == path.size() - 1;
        if (reason == BasicReason.INVALID_SIGNATURE && checkedAgainstAnchor) {
            return unknownAuthority(leaf);
        }
        if (reason == BasicReason.EXPIRED || reason == BasicReason.NOT_YET_VALID) {
            X509Certificate outdated = e.getIndex() >= 0 ? path.get(e.getIndex()) : leaf;
            return new Verdict(Status.INVALID, validityProblem(outdated, now));
        }
        return new Verdict(Status.INVALID,
                "x509: certificate " + describe(leaf) + " failed verification: " + e.getMessage());
    }

    private static Verdict unknownAuthority(X509Certificate leaf) {
        return new Verdict(Status.UNKNOWN_AUTHORITY, "x509: certificate signed by unknown authority ("
                + describe(leaf) + ", issuer \"" + leaf.getIssuerX500Principal().getName() + "\")");
    }

    /** Go checks the root's validity period too; the JDK's PKIX validator does not, so it is done here. */
    private static Optional<Verdict> checkAuthorityValidity(X509Certificate authority, Instant now) {
        try {
            authority.checkValidity(Date.from(now));
            return Optional.empty();
        } catch (CertificateException e) {
            return Optional.of(new Verdict(Status.INVALID, validityProblem(authority, now)));
        }
    }

    /**
     * Go's {@code checkChainForKeyUsage} for one wanted usage: a certificate without the extension, or with
     * anyExtendedKeyUsage, allows it; otherwise its list must contain clientAuth. A CA restricted to serverAuth
     * thereby also rules out the client certificates it issued.
     */
    private static Verdict checkClientAuthUsage(List<X509Certificate> chain) {
        for (X509Certificate certificate : chain) {
            List<String> usages = extendedKeyUsage(certificate);
            if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_EXTENDED_KEY_USAGE)) {
                return new Verdict(Status.INVALID, "x509: certificate specifies an incompatible key usage: "
                        + describe(certificate) + " is not valid for client authentication");
            }
        }
        return Verdict.TRUSTED;
    }

    private static List<String> extendedKeyUsage(X509Certificate certificate) {
        try {
            return certificate.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            // An unreadable extension must not count as "no restriction".
            return List.of();
        }
    }

    private static String validityProblem(X509Certificate certificate, Instant now) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        Instant notBefore = certificate.getNotBefore().toInstant();
        String when = now.isAfter(notAfter) ? "is after " + notAfter : "is before " + notBefore;
        return "x509: certificate has expired or is not yet valid: current time " + now.truncatedTo(ChronoUnit.SECONDS)
                + " " + when + " ("
                + describe(certificate) + ")";
    }

    static String describe(X509Certificate certificate) {
        return "subject \"" + certificate.getSubjectX500Principal().getName() + "\"";
    }
}
