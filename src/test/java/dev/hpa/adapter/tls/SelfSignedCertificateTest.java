package dev.hpa.adapter.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class SelfSignedCertificateTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final SelfSignedNames NAMES = new SelfSignedNames(
            List.of("localhost", "adapter-7d9f", "adapter.monitoring.svc", "adapter.monitoring.svc.cluster.local"),
            List.of("127.0.0.1", "::1"));

    private final ServingCertificate generated = SelfSignedCertificate.generate(NAMES, NOW);

    @Test
    void namesEveryHostItWasAskedFor() {
        assertEquals(List.of("localhost", "adapter-7d9f", "adapter.monitoring.svc",
                "adapter.monitoring.svc.cluster.local", "127.0.0.1", "0:0:0:0:0:0:0:1"),
                generated.subjectAlternativeNames());
    }

    @Test
    void keyMatchesTheCertificate() throws Exception {
        byte[] message = "self-signed".getBytes(US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(generated.privateKey());
        signer.update(message);
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(generated.leaf().getPublicKey());
        verifier.update(message);

        assertTrue(verifier.verify(signer.sign()));
    }

    @Test
    void isAnEcP256ServerCertificateValidForOneYear() throws Exception {
        X509Certificate leaf = generated.leaf();

        assertEquals(256, ((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals("SHA256withECDSA", leaf.getSigAlgName());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage(), "serverAuth");
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
        assertEquals(NOW.plus(Duration.ofDays(365)), leaf.getNotAfter().toInstant());
        assertTrue(leaf.getNotBefore().toInstant().isBefore(NOW), "backdated for clock skew");
        leaf.verify(leaf.getPublicKey());
    }

    @Test
    void everyGenerationHasItsOwnKeyAndSerial() {
        ServingCertificate another = SelfSignedCertificate.generate(NAMES, NOW);

        assertTrue(!another.leaf().getSerialNumber().equals(generated.leaf().getSerialNumber()));
        assertTrue(!another.sha256Fingerprint().equals(generated.sha256Fingerprint()));
    }
}
