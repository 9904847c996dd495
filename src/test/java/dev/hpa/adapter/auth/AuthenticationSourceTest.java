package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.config.StartupProblem;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the settings come from when the cluster's configmap cannot be read. */
@EnableKubernetesMockClient(crud = true)
class AuthenticationSourceTest {

    KubernetesClient client; // injected by the mock server extension; no configmap exists in it

    @TempDir
    Path dir;

    @Test
    void withoutTheConfigmapAndWithoutFilesItRefusesToStartAndSaysWhatToGrant() {
        AuthenticationSource source = new AuthenticationSource(client, ConfigCheckTest.config(Map.of()));
        StartupProblem e = assertThrows(StartupProblem.class, source::load);
        assertTrue(e.getMessage().startsWith("Configmap kube-system/extension-apiserver-authentication does not"
                + " exist (it is kube-apiserver's, and every cluster has it). Without it the adapter cannot tell"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("or set adapter.authentication.requestheader-client-ca-file and"
                + " adapter.authentication.client-ca-file"), e.getMessage());
    }

    @Test
    void theFilesStandInForTheConfigmap() throws IOException {
        Authority frontProxy = TestCertificates.authority("front-proxy-ca");
        Authority clients = TestCertificates.authority("clients-ca");
        Path frontProxyFile = Files.writeString(dir.resolve("front-proxy-ca.crt"), frontProxy.certificatePem());
        Path clientFile = Files.writeString(dir.resolve("client-ca.crt"), clients.certificatePem());
        AuthenticationSource source = new AuthenticationSource(client, ConfigCheckTest.config(Map.of(
                "adapter.authentication.requestheader-client-ca-file", frontProxyFile.toString(),
                "adapter.authentication.client-ca-file", clientFile.toString())));
        source.load();

        var proxied = source.authenticator().authenticate(
                frontProxy.issue(Leaf.client("any-proxy")).chain().toArray(java.security.cert.X509Certificate[]::new),
                Map.of("X-Remote-User", List.of("alice")));
        assertEquals(CertificateAuthenticator.Outcome.FRONT_PROXY, proxied.outcome());
        assertEquals("alice", proxied.caller().user());
        assertEquals(2, source.trust().getAcceptedIssuers().length);
    }
}
