package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.certificates.SelfManagedCertificates;
import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.config.StartupProblem;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** adapter.tls.self-managed.enabled decides whether the adapter touches Secrets and APIServices at all. */
@EnableKubernetesMockClient(crud = true)
class SelfManagedSwitchTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void offByDefaultItNeverCallsTheApi() {
        int before = server.getRequestCount();

        ServingCertificateSource source = new ServingCertificateSource(ConfigCheckTest.config(Map.of()),
                new SelfManagedCertificates(client, ConfigCheckTest.config(Map.of()), Clock.systemUTC()));

        assertEquals(before, server.getRequestCount(), "no Secret, no APIService request");
        assertEquals(source.current().leaf().getSubjectX500Principal(), source.current().leaf().getIssuerX500Principal(),
                "serves the generated self-signed certificate");
    }

    @Test
    void onItServesThePairOfTheSecret() {
        var config = ConfigCheckTest.config(Map.of("adapter.tls.self-managed.enabled", "true"));
        ServingCertificateSource source = new ServingCertificateSource(config,
                new SelfManagedCertificates(client, config, Clock.systemUTC()));

        var secret = client.secrets().inNamespace(client.getNamespace()).withName("hpa-metrics-adapter-certificates")
                .get();
        assertEquals(ServingCertificate.fromPem("tls.crt",
                java.util.Base64.getDecoder().decode(secret.getData().get("tls.crt")), "tls.key",
                java.util.Base64.getDecoder().decode(secret.getData().get("tls.key"))).sha256Fingerprint(),
                source.current().sha256Fingerprint());
    }

    @Test
    void onTogetherWithCertificateFilesIsAContradiction() {
        var config = ConfigCheckTest.config(Map.of("adapter.tls.self-managed.enabled", "true",
                "adapter.tls.cert-file", "/certs/tls.crt", "adapter.tls.key-file", "/certs/tls.key"));

        StartupProblem problem = assertThrows(StartupProblem.class, () -> new ServingCertificateSource(config,
                new SelfManagedCertificates(client, config, Clock.systemUTC())));
        assertTrue(problem.getMessage().contains("contradict each other"), problem.getMessage());
    }
}
