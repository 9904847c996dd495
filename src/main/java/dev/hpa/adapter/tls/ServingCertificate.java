package dev.hpa.adapter.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The certificate chain (leaf first) and private key this server presents in its TLS handshakes. */
public final class ServingCertificate {

    public static final String KEY_STORE_ALIAS = "serving";
    /** Only guards the in-memory key store handed to the TLS stack; nothing is written to disk. */
    private static final String KEY_STORE_PASSWORD = "serving";
    private static final byte[] CHALLENGE = "proof of possession".getBytes(StandardCharsets.US_ASCII);

    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;
    /** Computed once: the key manager uses it as the alias on every handshake. */
    private final String sha256Fingerprint;

    /** A chain (leaf first) and the leaf's key, as generated here; files go through {@link #fromPem}. */
    public static ServingCertificate of(List<X509Certificate> chain, PrivateKey privateKey) {
        return new ServingCertificate(chain, privateKey);
    }

    ServingCertificate(List<X509Certificate> chain, PrivateKey privateKey) {
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
        this.sha256Fingerprint = fingerprintOf(chain.get(0));
    }

    /**
     * Decodes a PEM chain and key. The leaf is the certificate that matches the key wherever it sits in the file,
     * and its issuers follow in order, so a chain pasted CA-first still serves correctly. Certificates that are not
     * on the leaf's issuer path are dropped: clients could not use them, and a key store refuses a broken chain.
     */
    public static ServingCertificate fromPem(String certSource, byte[] certPem, String keySource, byte[] keyPem) {
        List<X509Certificate> certificates = PemDecoder.certificates(certSource, certPem);
        PrivateKey key = PemDecoder.privateKey(keySource, keyPem);
        X509Certificate leaf = certificates.stream()
                .filter(certificate -> keyMatches(key, certificate.getPublicKey(), keySource))
                .findFirst()
                .orElseThrow(() -> new ServingCertificateException(
                        keySource + ": the private key matches no certificate in " + certSource));
        return new ServingCertificate(leafFirst(leaf, certificates), key);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** A PKCS#12 key store in memory: one entry, {@link #KEY_STORE_ALIAS}, guarded by {@link #keyStorePassword()}. */
    public KeyStore keyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(KEY_STORE_ALIAS, privateKey, keyStorePassword(), chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the serving key store", e);
        }
    }

    public static char[] keyStorePassword() {
        return KEY_STORE_PASSWORD.toCharArray();
    }

    /** SHA-256 of the leaf in DER, as colon-separated upper-case hex (the form openssl and browsers show). */
    public String sha256Fingerprint() {
        return sha256Fingerprint;
    }

    /** DNS names and IP addresses of the leaf, in certificate order. */
    public List<String> subjectAlternativeNames() {
        try {
            Collection<List<?>> names = Optional.ofNullable(leaf().getSubjectAlternativeNames()).orElse(List.of());
            return names.stream().map(name -> String.valueOf(name.get(1))).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    /** One line for the log: who the certificate is for, until when, and its fingerprint. */
    public String describe() {
        return "subject=" + leaf().getSubjectX500Principal().getName()
                + ", SANs=" + subjectAlternativeNames()
                + ", issuer=" + leaf().getIssuerX500Principal().getName()
                + ", not after " + leaf().getNotAfter().toInstant()
                + ", SHA-256 " + sha256Fingerprint();
    }

    private static List<X509Certificate> leafFirst(X509Certificate leaf, List<X509Certificate> certificates) {
        List<X509Certificate> candidates = new ArrayList<>(certificates);
        candidates.remove(leaf);
        List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
        // Each certificate is used once, so a self-signed root ends the walk.
        for (Optional<X509Certificate> issuer = issuerOf(leaf, candidates); issuer.isPresent();
                issuer = issuerOf(issuer.get(), candidates)) {
            chain.add(issuer.get());
            candidates.remove(issuer.get());
        }
        return chain;
    }

    private static Optional<X509Certificate> issuerOf(X509Certificate certificate, List<X509Certificate> candidates) {
        return candidates.stream()
                .filter(candidate -> candidate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()))
                .findFirst();
    }

    /** Proves possession rather than comparing encodings, which works for every RSA and EC key representation. */
    private static boolean keyMatches(PrivateKey key, PublicKey publicKey, String keySource) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            String algorithm = signatureAlgorithm(key, keySource);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(CHALLENGE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(CHALLENGE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String signatureAlgorithm(PrivateKey key, String keySource) {
        return switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new ServingCertificateException(
                    keySource + ": unsupported key algorithm " + key.getAlgorithm() + "; use an RSA or EC key");
        };
    }

    private static String fingerprintOf(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(encoded(certificate));
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

}
