package dev.hpa.adapter.x509;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificates the adapter makes for itself, checked by the JDK's PKIX validator and by openssl. */
class CertificateBuilderTest {

    private static final Instant NOW = Instant.now();
    private final KeyPair caKeys = CertificateBuilder.ecP256KeyPair();
    private final X509Certificate ca = new CertificateBuilder("CN=hpa-metrics-adapter-ca", caKeys.getPublic())
            .validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(3650)))
            .certificateAuthority()
            .selfSigned(caKeys.getPrivate());
    private final KeyPair leafKeys = CertificateBuilder.ecP256KeyPair();
    private final X509Certificate leaf = new CertificateBuilder("CN=hpa-metrics-adapter", leafKeys.getPublic())
            .validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(365)))
            .serverAuth(List.of("hpa-metrics-adapter.kserve-autoscaling.svc", "localhost"), List.of("127.0.0.1", "::1"))
            .issuedBy(ca, caKeys.getPrivate());

    @Test
    void theCaIsALeafOnlyCa() throws Exception {
        assertEquals(0, ca.getBasicConstraints(), "CA with path length 0");
        assertTrue(ca.getKeyUsage()[5] && ca.getKeyUsage()[6], "keyCertSign and cRLSign");
        assertTrue(ca.getCriticalExtensionOIDs().containsAll(Set.of("2.5.29.19", "2.5.29.15")));
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        ca.verify(caKeys.getPublic());
    }

    @Test
    void theLeafIsAServerCertificateForItsNames() throws Exception {
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getKeyUsage()[0] && !leaf.getKeyUsage()[5], "digitalSignature only");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
        assertEquals(List.of("hpa-metrics-adapter.kserve-autoscaling.svc", "localhost", "127.0.0.1",
                "0:0:0:0:0:0:0:1"), leaf.getSubjectAlternativeNames().stream().map(n -> n.get(1)).toList());
        assertEquals("SHA256withECDSA", leaf.getSigAlgName());
        assertEquals(NOW.plus(Duration.ofDays(365)).getEpochSecond(), leaf.getNotAfter().toInstant().getEpochSecond());
        // the authority key identifier names the CA's subject key identifier
        byte[] caKeyId = Der.read(Der.read(ca.getExtensionValue("2.5.29.14")).content()).content();
        byte[] authorityKeyId = Der.read(Der.read(leaf.getExtensionValue("2.5.29.35")).content()).elements().get(0)
                .content();
        assertArrayEquals(caKeyId, authorityKeyId);
    }

    @Test
    void pkixValidatesTheChainAndRejectsAnotherCa() throws Exception {
        validate(leaf, ca);

        KeyPair otherKeys = CertificateBuilder.ecP256KeyPair();
        X509Certificate other = new CertificateBuilder("CN=hpa-metrics-adapter-ca", otherKeys.getPublic())
                .validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)))
                .certificateAuthority().selfSigned(otherKeys.getPrivate());
        assertThrows(CertPathValidatorException.class, () -> validate(leaf, other));
    }

    @Test
    void opensslVerifiesItForTlsServerUse(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("openssl"), "openssl is not installed; skipping the openssl cross-check");
        Path caFile = Files.writeString(dir.resolve("ca.crt"), Pem.encode(List.of(ca)));
        Path leafFile = Files.writeString(dir.resolve("tls.crt"), Pem.encode(List.of(leaf)));

        String verified = run(dir, "openssl", "verify", "-purpose", "sslserver", "-x509_strict",
                "-verify_hostname", "hpa-metrics-adapter.kserve-autoscaling.svc", "-CAfile", caFile.toString(),
                leafFile.toString());
        assertTrue(verified.contains(": OK"), verified);
        String wrongName = run(dir, "openssl", "verify", "-verify_hostname", "elsewhere.example", "-CAfile",
                caFile.toString(), leafFile.toString());
        assertTrue(wrongName.contains("hostname mismatch"), wrongName);
    }

    @Test
    void farFutureDatesAreGeneralizedTime() {
        KeyPair keys = CertificateBuilder.ecP256KeyPair();
        X509Certificate longLived = new CertificateBuilder("CN=long", keys.getPublic())
                .validity(Instant.parse("2049-06-01T00:00:00Z"), Instant.parse("2060-06-01T00:00:00Z"))
                .certificateAuthority().selfSigned(keys.getPrivate());
        assertEquals(Instant.parse("2060-06-01T00:00:00Z"), longLived.getNotAfter().toInstant());
    }

    private static void validate(X509Certificate certificate, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)), parameters);
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static String run(Path dir, String... command) throws Exception {
        Path output = dir.resolve("openssl.out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl finished");
        return Files.readString(output, StandardCharsets.UTF_8);
    }
}
