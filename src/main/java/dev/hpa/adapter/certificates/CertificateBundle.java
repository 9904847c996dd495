package dev.hpa.adapter.certificates;

import dev.hpa.adapter.tls.ServingCertificate;
import dev.hpa.adapter.x509.Pem;
import dev.hpa.adapter.x509.PrivateKeys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Secret holds: the CAs that callers trust (the signing CA first, then older ones still valid, kept so a
 * rotation never leaves a replica serving a chain nobody trusts), the signing CA's key, and the serving certificate
 * with its key. {@code generation} counts changes of the trusted CAs; APIServices carry the generation whose bundle
 * they hold, so a replica with an older view never writes an older bundle over a newer one.
 */
record CertificateBundle(List<X509Certificate> authorities, PrivateKey authorityKey, ServingCertificate serving,
        long generation) {

    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CERT = "tls.crt";
    static final String TLS_KEY = "tls.key";

    CertificateBundle {
        authorities = List.copyOf(authorities);
    }

    X509Certificate signingAuthority() {
        return authorities.get(0);
    }

    /** The trusted CAs as a PEM bundle, what an APIService's caBundle holds (base64-encoded on the wire). */
    String authoritiesPem() {
        return Pem.encode(authorities);
    }

    /** Whether the serving certificate was issued by the signing CA (not by an older CA of the bundle). */
    boolean servingIssuedBySigningAuthority() {
        return issuedBy(serving.leaf(), signingAuthority());
    }

    /** The Secret's data, base64-encoded as the API wants it. */
    Map<String, String> toSecretData() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CERT, base64(authoritiesPem()));
        data.put(CA_KEY, base64(PrivateKeys.pem(authorityKey)));
        data.put(TLS_CERT, base64(Pem.encode(serving.chain())));
        data.put(TLS_KEY, base64(PrivateKeys.pem(serving.privateKey())));
        return data;
    }

    /**
     * Reads a Secret's data back; {@code source} names it in messages.
     *
     * @throws IllegalArgumentException naming the key and the problem when the data is missing or inconsistent
     */
    static CertificateBundle fromSecretData(String source, Map<String, String> data, long generation) {
        List<X509Certificate> authorities = Pem.certificates(text(source, data, CA_CERT));
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException(source + " key " + CA_CERT + " holds no certificate");
        }
        List<PrivateKey> keys = PrivateKeys.decode(Pem.blocks(text(source, data, CA_KEY)));
        if (keys.size() != 1 || !matches(keys.get(0), authorities.get(0))) {
            throw new IllegalArgumentException(source + " key " + CA_KEY + " is not the key of the first CA in "
                    + CA_CERT);
        }
        ServingCertificate serving = ServingCertificate.fromPem(source + " key " + TLS_CERT,
                bytes(source, data, TLS_CERT), source + " key " + TLS_KEY, bytes(source, data, TLS_KEY));
        if (authorities.stream().noneMatch(ca -> issuedBy(serving.leaf(), ca))) {
            throw new IllegalArgumentException(source + " key " + TLS_CERT + " was issued by none of the CAs in "
                    + CA_CERT);
        }
        return new CertificateBundle(authorities, keys.get(0), serving, generation);
    }

    boolean expired(X509Certificate certificate, Instant now) {
        return !certificate.getNotAfter().toInstant().isAfter(now);
    }

    static boolean issuedBy(X509Certificate certificate, X509Certificate authority) {
        if (!certificate.getIssuerX500Principal().equals(authority.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(authority.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        try {
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
            signer.initSign(key);
            signer.update(CA_KEY.getBytes(StandardCharsets.US_ASCII));
            java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(CA_KEY.getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(signer.sign());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String text(String source, Map<String, String> data, String key) {
        return new String(bytes(source, data, key), StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String source, Map<String, String> data, String key) {
        String value = data == null ? null : data.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(source + " has no key " + key);
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " key " + key + " is not base64: " + e.getMessage(), e);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
