package dev.hpa.adapter.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Generates the EC P-256 certificate served when no certificate files are configured. */
final class SelfSignedCertificate {

    static final Duration VALIDITY = Duration.ofDays(365);
    /** Tolerates a client clock that is a little behind ours. */
    static final Duration BACKDATING = Duration.ofMinutes(5);
    static final String SUBJECT = "CN=hpa-metrics-adapter";

    private SelfSignedCertificate() {
    }

    static ServingCertificate generate(SelfSignedNames names, Instant now) {
        try {
            KeyPair keyPair = ecP256KeyPair();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(SUBJECT), randomSerial(), Date.from(now.minus(BACKDATING)),
                    Date.from(now.plus(VALIDITY)), new X500Name(SUBJECT), keyPair.getPublic());
            addServerExtensions(builder, keyPair, names);
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            return new ServingCertificate(List.of(certificate), keyPair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate a self-signed serving certificate", e);
        }
    }

    private static void addServerExtensions(X509v3CertificateBuilder builder, KeyPair keyPair, SelfSignedNames names)
            throws CertIOException, GeneralSecurityException {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
        builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(names));
    }

    private static GeneralNames subjectAlternativeNames(SelfSignedNames names) {
        List<GeneralName> generalNames = new ArrayList<>();
        names.dnsNames().forEach(name -> generalNames.add(new GeneralName(GeneralName.dNSName, name)));
        names.ipAddresses().forEach(address -> generalNames.add(new GeneralName(GeneralName.iPAddress, address)));
        return new GeneralNames(generalNames.toArray(GeneralName[]::new));
    }

    private static KeyPair ecP256KeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** 127 random bits: positive, unique in practice, within the 20-octet limit of RFC 5280. */
    private static BigInteger randomSerial() {
        return new BigInteger(127, new SecureRandom());
    }
}
