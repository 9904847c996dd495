package dev.hpa.adapter.testing;

import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The cluster's identities for a test run: a front-proxy CA (kube-apiserver's aggregator proxy), a client CA
 * (people with client certificates), and the configmap kube-apiserver publishes them in. Used as the mock
 * server's setup, so the configmap exists before the adapter starts, as it does in a cluster.
 */
public final class TestIdentities implements Consumer<KubernetesServer> {

    public static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    public static final Authority CLIENT_CA = TestCertificates.authority("kubernetes-ca");
    /** kube-apiserver's --proxy-client-cert-file, as kubeadm names it. */
    public static final Issued FRONT_PROXY_CLIENT = FRONT_PROXY_CA.issue(Leaf.client("front-proxy-client"));
    private static Path frontProxyClientP12;

    @Override
    public void accept(KubernetesServer server) {
        server.getClient().configMaps().inNamespace("kube-system").resource(authenticationConfigMap()).create();
    }

    /** {@code kube-system/extension-apiserver-authentication} as kube-apiserver writes it, for these CAs. */
    public static ConfigMap authenticationConfigMap() {
        return new ConfigMapBuilder()
                .withNewMetadata().withNamespace("kube-system").withName("extension-apiserver-authentication")
                .endMetadata()
                .addToData("client-ca-file", CLIENT_CA.certificatePem())
                .addToData("requestheader-client-ca-file", FRONT_PROXY_CA.certificatePem())
                .addToData("requestheader-allowed-names", "[\"front-proxy-client\"]")
                .addToData("requestheader-username-headers", "[\"X-Remote-User\"]")
                .addToData("requestheader-group-headers", "[\"X-Remote-Group\"]")
                .addToData("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]")
                .build();
    }

    /** kube-apiserver's proxy client certificate as a PKCS#12 file, for REST Assured. */
    public static synchronized Path frontProxyClientP12() {
        if (frontProxyClientP12 == null) {
            try {
                frontProxyClientP12 = FRONT_PROXY_CLIENT.writePkcs12(Files.createTempFile("front-proxy", ".p12"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return frontProxyClientP12;
    }
}
