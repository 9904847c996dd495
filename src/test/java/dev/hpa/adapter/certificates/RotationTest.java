package dev.hpa.adapter.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every step of the certificates' life, with time passed in. */
class RotationTest {

    private static final Instant START = Instant.parse("2027-01-01T00:00:00Z");
    private static final ServingNames NAMES = ServingNames.of("hpa-metrics-adapter", "kserve-autoscaling");

    private static CertificateBundle fresh() {
        return Rotation.plan(Optional.empty(), START, NAMES, false).orElseThrow().next();
    }

    @Test
    void createsACaAndAServingCertificateForTheService() {
        CertificateBundle bundle = fresh();

        X509Certificate ca = bundle.signingAuthority();
        X509Certificate leaf = bundle.serving().leaf();
        assertEquals(0, ca.getBasicConstraints());
        assertEquals(START.plus(Rotation.CA_VALIDITY), ca.getNotAfter().toInstant());
        assertEquals(START.plus(Rotation.SERVING_VALIDITY), leaf.getNotAfter().toInstant());
        assertTrue(CertificateBundle.issuedBy(leaf, ca));
        assertEquals(List.of(leaf, ca), bundle.serving().chain());
        assertEquals(List.of("hpa-metrics-adapter.kserve-autoscaling.svc",
                "hpa-metrics-adapter.kserve-autoscaling.svc.cluster.local", "localhost", "127.0.0.1",
                "0:0:0:0:0:0:0:1"), bundle.serving().subjectAlternativeNames());
        assertEquals(START.toEpochMilli(), bundle.generation());
    }

    @Test
    void leavesAGoodBundleAlone() {
        CertificateBundle bundle = fresh();
        assertEquals(Optional.empty(), Rotation.plan(Optional.of(bundle), START.plus(Duration.ofDays(200)), NAMES, true));
        assertEquals(Optional.empty(), Rotation.plan(Optional.of(bundle), START.plus(Duration.ofDays(200)), NAMES, false));
    }

    @Test
    void renewsTheServingCertificate90DaysBeforeItExpiresWithTheSameCa() {
        CertificateBundle bundle = fresh();
        Instant renewal = START.plus(Rotation.SERVING_VALIDITY).minus(Rotation.SERVING_RENEW_BEFORE);

        assertEquals(Optional.empty(), Rotation.plan(Optional.of(bundle), renewal.minusSeconds(60), NAMES, true));
        Rotation.Plan plan = Rotation.plan(Optional.of(bundle), renewal, NAMES, true).orElseThrow();

        assertEquals(bundle.authorities(), plan.next().authorities(), "same CA: caBundle does not change");
        assertEquals(bundle.generation(), plan.next().generation());
        assertNotEquals(bundle.serving().sha256Fingerprint(), plan.next().serving().sha256Fingerprint());
        assertEquals(renewal.plus(Rotation.SERVING_VALIDITY), plan.next().serving().leaf().getNotAfter().toInstant());
        assertTrue(plan.why().startsWith("the serving certificate expires at"), plan.why());
    }

    @Test
    void reissuesForNewNames() {
        CertificateBundle bundle = fresh();
        ServingNames moved = ServingNames.of("hpa-metrics-adapter", "monitoring");

        CertificateBundle next = Rotation.plan(Optional.of(bundle), START.plusSeconds(5), moved, true).orElseThrow().next();

        assertTrue(next.serving().subjectAlternativeNames().contains("hpa-metrics-adapter.monitoring.svc"));
    }

    @Test
    void rotatesTheCaInStepsThatKeepEveryReplicaTrusted() {
        CertificateBundle first = fresh();
        Instant late = START.plus(Rotation.CA_VALIDITY).minus(Rotation.CA_RENEW_BEFORE);
        // the serving certificate was renewed all along; here it is fresh
        CertificateBundle current = Rotation.plan(Optional.of(first), late.minus(Duration.ofDays(10)),
                ServingNames.of("x", "y"), true).orElseThrow().next();
        current = Rotation.plan(Optional.of(current), late.minus(Duration.ofDays(10)), NAMES, true).orElseThrow().next();

        // 1. a new CA goes in front of the old one; the serving certificate stays
        Rotation.Plan added = Rotation.plan(Optional.of(current), late, NAMES, true).orElseThrow();
        CertificateBundle step1 = added.next();
        assertEquals(2, step1.authorities().size());
        assertEquals(current.signingAuthority(), step1.authorities().get(1));
        assertEquals(current.serving().sha256Fingerprint(), step1.serving().sha256Fingerprint());
        assertTrue(step1.generation() > current.generation());

        // 2. not yet published: the old serving certificate keeps being served
        assertEquals(Optional.empty(), Rotation.plan(Optional.of(step1), late.plusSeconds(1), NAMES, false));

        // 3. published: the new CA issues the serving certificate; the bundle keeps both CAs
        CertificateBundle step3 = Rotation.plan(Optional.of(step1), late.plusSeconds(2), NAMES, true).orElseThrow().next();
        assertEquals(step1.authorities(), step3.authorities());
        assertEquals(step1.generation(), step3.generation());
        assertTrue(CertificateBundle.issuedBy(step3.serving().leaf(), step3.signingAuthority()));
        assertTrue(CertificateBundle.issuedBy(current.serving().leaf(), step3.authorities().get(1)),
                "a replica still serving the old certificate is still trusted");
        assertEquals(Optional.empty(), Rotation.plan(Optional.of(step3), late.plusSeconds(3), NAMES, true));

        // 4. the old CA leaves the bundle once it has expired
        Instant oldExpired = current.signingAuthority().getNotAfter().toInstant().plusSeconds(1);
        CertificateBundle step4 = Rotation.plan(Optional.of(step3), oldExpired, NAMES, true).orElseThrow().next();
        assertEquals(List.of(step3.signingAuthority()), step4.authorities());
        assertTrue(step4.generation() > step3.generation());
    }

    @Test
    void anExpiredServingCertificateIsReplacedEvenBeforePublication() {
        CertificateBundle bundle = fresh();
        Instant expired = bundle.serving().leaf().getNotAfter().toInstant().plusSeconds(1);

        assertTrue(Rotation.plan(Optional.of(bundle), expired, NAMES, false).isPresent());
    }

    @Test
    void aServingCertificateNeverOutlivesItsCa() {
        // The CA is replaced while it still has longer to live than any serving certificate it issued.
        assertTrue(Rotation.CA_RENEW_BEFORE.compareTo(Rotation.SERVING_VALIDITY) >= 0);
    }

    @Test
    void generationsGrowEvenWhenTheClockDoesNot() {
        assertEquals(11, Rotation.nextGeneration(10, Instant.ofEpochMilli(5)));
        assertEquals(1_000, Rotation.nextGeneration(10, Instant.ofEpochMilli(1_000)));
    }
}
