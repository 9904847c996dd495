package dev.hpa.adapter.certificates;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.StartupProblem;
import dev.hpa.adapter.testing.ManualClock;
import dev.hpa.adapter.tls.ServingCertificate;
import dev.hpa.adapter.x509.Pem;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The self-managed certificates against the Kubernetes mock server (CRUD): creation, a second replica, renewal, an
 * APIService conflict, a CA rotation and a deleted Secret; the time is a clock the test moves.
 */
@EnableKubernetesMockClient(crud = true)
class SelfManagedCertificatesTest {

    static final String NAMESPACE = "kserve-autoscaling";
    static final String SECRET = "hpa-metrics-adapter-certificates";
    static final String SERVICE = "hpa-metrics-adapter";
    static final List<String> API_SERVICES = List.of("v1beta2.custom.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io",
            "v1beta1.metrics.k8s.io");

    KubernetesMockServer server;
    KubernetesClient client;

    private final ManualClock clock = new ManualClock();
    private final List<SelfManagedCertificates> replicas = new ArrayList<>();

    @BeforeEach
    void registerTheApiServices() {
        for (String name : API_SERVICES.subList(0, 2)) {
            client.resource(apiService(name, NAMESPACE, SERVICE)).create();
        }
        // metrics.k8s.io belongs to metrics-server here: the adapter must not touch it
        client.resource(apiService("v1beta1.metrics.k8s.io", "kube-system", "metrics-server")).create();
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(replica -> replica.stop(null));
    }

    @Test
    void createsTheSecretAndPublishesItsCaToItsOwnApiServicesOnly() throws Exception {
        Served served = new Served();
        replica().start(served);

        Secret secret = secret();
        assertEquals("kubernetes.io/tls", secret.getType());
        List<X509Certificate> cas = certificates(secret.getData().get("ca.crt"));
        assertEquals(1, cas.size());
        ServingCertificate serving = served.last();
        assertTrue(serving.subjectAlternativeNames().contains(SERVICE + "." + NAMESPACE + ".svc"));
        serving.leaf().verify(cas.get(0).getPublicKey());
        for (String name : API_SERVICES.subList(0, 2)) {
            APIService apiService = apiService(name);
            assertEquals(cas, certificates(apiService.getSpec().getCaBundle()), name);
            assertEquals(secret.getMetadata().getAnnotations().get(SelfManagedCertificates.GENERATION_ANNOTATION),
                    apiService.getMetadata().getAnnotations().get(SelfManagedCertificates.GENERATION_ANNOTATION));
        }
        assertNull(apiService("v1beta1.metrics.k8s.io").getSpec().getCaBundle(), "metrics-server's stays untouched");
    }

    @Test
    void aSecondReplicaServesTheSamePairAndWritesNothing() {
        Served first = new Served();
        replica().start(first);
        String version = secret().getMetadata().getResourceVersion();

        Served second = new Served();
        replica().start(second);

        assertEquals(first.last().sha256Fingerprint(), second.last().sha256Fingerprint());
        assertEquals(version, secret().getMetadata().getResourceVersion());
    }

    @Test
    void renewsNearExpiryAndEveryReplicaServesTheNewPairWithoutRestart() {
        Served first = new Served();
        SelfManagedCertificates writer = replica();
        writer.start(first);
        Served second = new Served();
        replica().start(second);
        String before = first.last().sha256Fingerprint();
        String caBundleBefore = apiService(API_SERVICES.get(0)).getSpec().getCaBundle();

        clock.advance(Rotation.SERVING_VALIDITY.minus(Rotation.SERVING_RENEW_BEFORE));
        writer.reconcile();

        String after = servingInSecret().sha256Fingerprint();
        assertNotEquals(before, after);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.last().sha256Fingerprint().equals(after)
                && second.last().sha256Fingerprint().equals(after));
        assertEquals(caBundleBefore, apiService(API_SERVICES.get(0)).getSpec().getCaBundle(),
                "the same CA signs the renewed certificate: caBundle stays");
    }

    @Test
    void retriesAnApiServiceUpdateThatConflicts() {
        // kube-apiserver's aggregator rewrites APIService status all the time: the adapter's update meets a 409
        server.expect().put().withPath("/apis/apiregistration.k8s.io/v1/apiservices/" + API_SERVICES.get(0))
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict")
                        .withMessage("the object has been modified; please apply your changes to the latest version")
                        .build())
                .once();

        replica().start(new Served());

        assertEquals(certificates(secret().getData().get("ca.crt")),
                certificates(apiService(API_SERVICES.get(0)).getSpec().getCaBundle()));
    }

    @Test
    void aReplicaThatLosesTheRaceForTheSecretReadsItAgain() {
        Served served = new Served();
        SelfManagedCertificates replica = replica();
        replica.start(served);
        clock.advance(Rotation.SERVING_VALIDITY.minus(Rotation.SERVING_RENEW_BEFORE));
        String before = servingInSecret().sha256Fingerprint();
        server.expect().put().withPath("/api/v1/namespaces/" + NAMESPACE + "/secrets/" + SECRET)
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").build()).once();

        replica.reconcile();

        assertNotEquals(before, servingInSecret().sha256Fingerprint(), "renewed on the second attempt");
    }

    @Test
    void rotatesTheCaKeepingBothInTheBundleUntilTheOldOneExpires() throws Exception {
        Served first = new Served();
        SelfManagedCertificates writer = replica();
        writer.start(first);
        Served second = new Served();
        replica().start(second);
        X509Certificate oldCa = certificates(secret().getData().get("ca.crt")).get(0);
        ServingCertificate oldServing = first.last();

        // keep the serving certificate fresh on the way, as the periodic reconcile would
        for (Duration step = Duration.ZERO; step.compareTo(Rotation.CA_VALIDITY.minus(Rotation.CA_RENEW_BEFORE)) < 0;
                step = step.plus(Duration.ofDays(300))) {
            clock.advance(Duration.ofDays(300));
            writer.reconcile();
        }
        clock.advance(Duration.ofDays(60));
        writer.reconcile();

        List<X509Certificate> bundle = certificates(secret().getData().get("ca.crt"));
        assertEquals(2, bundle.size(), "new CA first, old CA kept");
        assertEquals(oldCa, bundle.get(1));
        X509Certificate newCa = bundle.get(0);
        for (String name : API_SERVICES.subList(0, 2)) {
            assertEquals(bundle, certificates(apiService(name).getSpec().getCaBundle()), name + " trusts both");
        }
        ServingCertificate serving = servingInSecret();
        serving.leaf().verify(newCa.getPublicKey());
        assertEquals(List.of(serving.leaf(), newCa), serving.chain());
        oldServing.leaf().verify(bundle.get(1).getPublicKey()); // a replica not yet switched is still trusted
        await().atMost(Duration.ofSeconds(10)).until(() -> first.last().sha256Fingerprint()
                .equals(serving.sha256Fingerprint()) && second.last().sha256Fingerprint()
                .equals(serving.sha256Fingerprint()));

        clock.advance(Duration.between(clock.instant(), oldCa.getNotAfter().toInstant()).plusSeconds(1));
        writer.reconcile();
        assertEquals(List.of(newCa), certificates(secret().getData().get("ca.crt")));
        assertEquals(List.of(newCa), certificates(apiService(API_SERVICES.get(0)).getSpec().getCaBundle()));
    }

    @Test
    void aDeletedSecretIsRestoredWithTheSamePair() {
        Served served = new Served();
        SelfManagedCertificates replica = replica();
        replica.start(served);
        String ca = secret().getData().get("ca.crt");

        client.secrets().inNamespace(NAMESPACE).withName(SECRET).delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> secret() != null);
        assertEquals(ca, secret().getData().get("ca.crt"));
        assertEquals(1, served.count(), "nothing new to serve");
    }

    @Test
    void aSecretOfGarbageIsReplacedAtStartUp() throws Exception {
        client.secrets().inNamespace(NAMESPACE).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName(SECRET).endMetadata().withType("Opaque")
                .addToData("ca.crt", Base64.getEncoder().encodeToString("garbage".getBytes(StandardCharsets.US_ASCII)))
                .build()).create();

        Served served = new Served();
        replica().start(served);

        Secret secret = secret();
        assertEquals("Opaque", secret.getType(), "the type of an existing Secret cannot change");
        served.last().leaf().verify(certificates(secret.getData().get("ca.crt")).get(0).getPublicKey());
    }

    @Test
    void withoutANamespaceItRefusesToStartAndSaysWhatToSet() {
        SelfManagedCertificates replica = new SelfManagedCertificates(client, clock, null, SECRET, SERVICE,
                API_SERVICES.subList(0, 2));
        StartupProblem problem = assertThrows(StartupProblem.class, () -> replica.start(new Served()));
        assertTrue(problem.getMessage().contains("set POD_NAMESPACE"), problem.getMessage());
    }

    private SelfManagedCertificates replica() {
        SelfManagedCertificates replica = new SelfManagedCertificates(client, clock, NAMESPACE, SECRET, SERVICE,
                API_SERVICES);
        replicas.add(replica);
        return replica;
    }

    private ServingCertificate servingInSecret() {
        Secret secret = secret();
        return ServingCertificate.fromPem("tls.crt", Base64.getDecoder().decode(secret.getData().get("tls.crt")),
                "tls.key", Base64.getDecoder().decode(secret.getData().get("tls.key")));
    }

    private Secret secret() {
        return client.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
    }

    private APIService apiService(String name) {
        return client.resources(APIService.class).withName(name).get();
    }

    private static APIService apiService(String name, String namespace, String service) {
        String[] parts = name.split("\\.", 2);
        return new APIServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withGroup(parts[1]).withVersion(parts[0]).withGroupPriorityMinimum(100)
                .withVersionPriority(100).withNewService().withNamespace(namespace).withName(service).withPort(443)
                .endService().endSpec().build();
    }

    private static List<X509Certificate> certificates(String base64) {
        return Pem.certificates(new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII));
    }

    /** What a replica's HTTPS server was told to present, in order. */
    static final class Served implements java.util.function.Consumer<ServingCertificate> {
        private final List<ServingCertificate> pairs = new CopyOnWriteArrayList<>();

        @Override
        public void accept(ServingCertificate pair) {
            pairs.add(pair);
        }

        ServingCertificate last() {
            return pairs.get(pairs.size() - 1);
        }

        int count() {
            return pairs.size();
        }
    }
}
