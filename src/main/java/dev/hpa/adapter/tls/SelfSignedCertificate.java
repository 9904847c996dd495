package dev.hpa.adapter.tls;

import dev.hpa.adapter.x509.CertificateBuilder;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Generates the EC P-256 certificate served when no certificate files are configured. */
final class SelfSignedCertificate {

    static final Duration VALIDITY = Duration.ofDays(365);
    /** Tolerates a client clock that is a little behind ours. */
    static final Duration BACKDATING = Duration.ofMinutes(5);
    static final String SUBJECT = "CN=hpa-metrics-adapter";

    private SelfSignedCertificate() {
    }

    static ServingCertificate generate(SelfSignedNames names, Instant now) {
        KeyPair keyPair = CertificateBuilder.ecP256KeyPair();
        return new ServingCertificate(List.of(new CertificateBuilder(SUBJECT, keyPair.getPublic())
                .validity(now.minus(BACKDATING), now.plus(VALIDITY))
                .serverAuth(names.dnsNames(), names.ipAddresses())
                .selfSigned(keyPair.getPrivate())), keyPair.getPrivate());
    }
}
