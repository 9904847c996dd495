package dev.hpa.adapter.x509;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * Builds and signs X.509 v3 certificates with EC P-256 keys and ECDSA-SHA256, the profile every TLS client of ours
 * (kube-apiserver's Go TLS, the JDK, curl) accepts: a CA ({@link #certificateAuthority()}) or a server certificate
 * ({@link #serverAuth}). Extensions as RFC 5280 and Go's x509 expect them: key identifiers, basic constraints and
 * key usage marked critical, SANs for names (Go ignores the CN).
 */
public final class CertificateBuilder {

    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
    private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
    private static final String SUBJECT_ALTERNATIVE_NAME = "2.5.29.17";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private final X500Principal subject;
    private final PublicKey publicKey;
    private Instant notBefore;
    private Instant notAfter;
    private boolean authority;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();

    public CertificateBuilder(String subject, PublicKey publicKey) {
        this.subject = new X500Principal(subject);
        this.publicKey = publicKey;
    }

    /** A fresh EC P-256 key pair. */
    public static KeyPair ecP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate EC P-256 keys", e);
        }
    }

    public CertificateBuilder validity(Instant from, Instant until) {
        this.notBefore = from;
        this.notAfter = until;
        return this;
    }

    /** A CA that signs leaf certificates only (path length 0). */
    public CertificateBuilder certificateAuthority() {
        this.authority = true;
        return this;
    }

    /** A TLS server certificate for these DNS names and IP addresses. */
    public CertificateBuilder serverAuth(List<String> dnsNames, List<String> ipAddresses) {
        this.dnsNames.addAll(dnsNames);
        this.ipAddresses.addAll(ipAddresses);
        return this;
    }

    /** Signed with its own key: a root CA, or a self-signed server certificate. */
    public X509Certificate selfSigned(PrivateKey key) {
        return sign(subject, subjectKeyIdentifier(), key);
    }

    public X509Certificate issuedBy(X509Certificate issuer, PrivateKey issuerKey) {
        return sign(issuer.getSubjectX500Principal(), keyIdentifier(issuer.getPublicKey()), issuerKey);
    }

    private X509Certificate sign(X500Principal issuer, byte[] authorityKeyId, PrivateKey signingKey) {
        if (notBefore == null || notAfter == null) {
            throw new IllegalStateException("validity is not set");
        }
        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)), // v3
                Der.integer(randomSerial()),
                algorithm,
                issuer.getEncoded(),
                Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                subject.getEncoded(),
                publicKey.getEncoded(), // already a DER SubjectPublicKeyInfo
                Der.explicit(3, Der.sequence(extensions(authorityKeyId))));
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(signingKey);
            signer.update(tbs);
            return Pem.certificate(Der.sequence(tbs, algorithm, Der.bitString(signer.sign())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate with a " + signingKey.getAlgorithm()
                    + " key (EC keys only)", e);
        }
    }

    private List<byte[]> extensions(byte[] authorityKeyId) {
        List<byte[]> extensions = new ArrayList<>();
        if (authority) {
            extensions.add(extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true), Der.integer(0))));
            extensions.add(extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN)));
        } else {
            extensions.add(extension(BASIC_CONSTRAINTS, true, Der.sequence()));
            extensions.add(extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE)));
            extensions.add(extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH))));
        }
        extensions.add(extension(SUBJECT_KEY_IDENTIFIER, false, Der.octetString(subjectKeyIdentifier())));
        extensions.add(extension(AUTHORITY_KEY_IDENTIFIER, false, Der.sequence(Der.implicit(0, authorityKeyId))));
        if (!dnsNames.isEmpty() || !ipAddresses.isEmpty()) {
            List<byte[]> names = new ArrayList<>();
            dnsNames.forEach(name -> names.add(Der.implicit(2, name.getBytes(StandardCharsets.US_ASCII))));
            ipAddresses.forEach(address -> names.add(Der.implicit(7, addressBytes(address))));
            extensions.add(extension(SUBJECT_ALTERNATIVE_NAME, false, Der.sequence(names)));
        }
        return extensions;
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value)); // DEFAULT FALSE is left out in DER
    }

    private byte[] subjectKeyIdentifier() {
        return keyIdentifier(publicKey);
    }

    /** RFC 5280 4.2.1.2, method 1: SHA-1 of the subjectPublicKey bits. */
    static byte[] keyIdentifier(PublicKey key) {
        byte[] bits = Der.read(key.getEncoded()).elements().get(1).bitStringBytes();
        try {
            return MessageDigest.getInstance("SHA-1").digest(bits);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] addressBytes(String literal) {
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("not an IP address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + literal, e);
        }
    }

    /** 127 random bits: positive, unique in practice, within the 20-octet limit of RFC 5280. */
    private static BigInteger randomSerial() {
        return new BigInteger(127, new SecureRandom());
    }
}
