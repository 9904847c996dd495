package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticationSettingsTest {

    private static final Authority CLUSTER_CA = TestCertificates.authority("kubernetes");
    private static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    private static final Authority NEXT_FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca-next");

    /** As a kubeadm cluster before the UID header existed writes it; the front-proxy CA mid-rotation (two certs). */
    private static Map<String, String> kubeadmConfigMap() {
        Map<String, String> data = new HashMap<>();
        data.put("client-ca-file", CLUSTER_CA.certificatePem());
        data.put("requestheader-client-ca-file",
                FRONT_PROXY_CA.certificatePem() + NEXT_FRONT_PROXY_CA.certificatePem());
        data.put("requestheader-allowed-names", "[]");
        data.put("requestheader-username-headers", "[\"X-Remote-User\"]");
        data.put("requestheader-group-headers", "[\"X-Remote-Group\"]");
        data.put("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]");
        return data;
    }

    @Test
    void readsARealisticConfigMap() {
        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(kubeadmConfigMap());

        assertEquals(List.of(FRONT_PROXY_CA.certificate(), NEXT_FRONT_PROXY_CA.certificate()),
                settings.requestHeaderCAs());
        assertEquals(List.of(CLUSTER_CA.certificate()), settings.clientCAs());
        assertEquals(Set.of(), settings.allowedNames(), "'[]' allows any CN from the front-proxy CA");
        assertEquals(List.of("X-Remote-User"), settings.usernameHeaders());
        assertEquals(List.of("X-Remote-Group"), settings.groupHeaders());
        assertEquals(List.of("X-Remote-Extra-"), settings.extraHeaderPrefixes());
        assertEquals(List.of(), settings.uidHeaders(), "missing uid key");
    }

    @Test
    void readsAllowedNamesAndUidHeaders() {
        Map<String, String> data = kubeadmConfigMap();
        data.put("requestheader-allowed-names", "[\"front-proxy-client\", \"aggregator\"]");
        data.put("requestheader-uid-headers", "[\"X-Remote-Uid\"]");

        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(data);

        assertEquals(List.of("front-proxy-client", "aggregator"), List.copyOf(settings.allowedNames()));
        assertEquals(List.of("X-Remote-Uid"), settings.uidHeaders());
    }

    @Test
    void absentKeysAndNoDataMeanEmptyLists() {
        assertEquals(AuthenticationSettings.empty(), AuthenticationSettings.fromConfigMap(Map.of()));
        assertEquals(AuthenticationSettings.empty(), AuthenticationSettings.fromConfigMap(null));
        assertEquals(AuthenticationSettings.empty(), AuthenticationSettings.fromConfigMap(
                Map.of("requestheader-username-headers", "", "requestheader-group-headers", "null")));
    }

    @Test
    void malformedJsonNamesTheKey() {
        Map<String, String> data = kubeadmConfigMap();
        data.put("requestheader-group-headers", "[\"X-Remote-Group\"");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AuthenticationSettings.fromConfigMap(data));

        assertTrue(error.getMessage().contains("requestheader-group-headers"), error.getMessage());
    }

    @Test
    void somethingOtherThanAStringArrayNamesTheKey() {
        for (String value : List.of("\"X-Remote-User\"", "[1]", "{\"a\":\"b\"}", "[null]")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> AuthenticationSettings.fromConfigMap(Map.of("requestheader-username-headers", value)), value);
            assertTrue(error.getMessage().contains("requestheader-username-headers"), error.getMessage());
        }
    }

    @Test
    void headerNamesAreTrimmedAndMustNotBeEmpty() {
        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(
                Map.of("requestheader-username-headers", "[\" X-Remote-User \"]"));
        assertEquals(List.of("X-Remote-User"), settings.usernameHeaders());

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AuthenticationSettings.fromConfigMap(Map.of("requestheader-extra-headers-prefix", "[\" \"]")));
        assertTrue(error.getMessage().contains("requestheader-extra-headers-prefix"), error.getMessage());
    }

    @Test
    void brokenPemNamesTheKey() {
        Map<String, String> data = kubeadmConfigMap();
        data.put("client-ca-file", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> AuthenticationSettings.fromConfigMap(data));
        assertTrue(broken.getMessage().contains("client-ca-file"), broken.getMessage());

        data.put("client-ca-file", "no certificate here");
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> AuthenticationSettings.fromConfigMap(data));
        assertTrue(empty.getMessage().contains("client-ca-file"), empty.getMessage());
    }

    @Test
    void requestHeaderCaFromAFileAloneGetsKubeDefaultHeaders() {
        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(Map.of())
                .withRequestHeaderCAs(List.of(FRONT_PROXY_CA.certificate()));

        assertEquals(List.of(FRONT_PROXY_CA.certificate()), settings.requestHeaderCAs());
        assertEquals(List.of("X-Remote-User"), settings.usernameHeaders());
        assertEquals(List.of("X-Remote-Group"), settings.groupHeaders());
        assertEquals(List.of("X-Remote-Extra-"), settings.extraHeaderPrefixes());
        assertEquals(List.of("X-Remote-Uid"), settings.uidHeaders());
    }

    @Test
    void fileOverridesKeepTheHeaderNamesOfTheConfigMap() {
        Map<String, String> data = kubeadmConfigMap();
        data.put("requestheader-username-headers", "[\"X-Proxy-User\"]");

        AuthenticationSettings settings = AuthenticationSettings.fromConfigMap(data)
                .withRequestHeaderCAs(List.of(NEXT_FRONT_PROXY_CA.certificate()))
                .withClientCAs(List.of(FRONT_PROXY_CA.certificate()));

        assertEquals(List.of(NEXT_FRONT_PROXY_CA.certificate()), settings.requestHeaderCAs());
        assertEquals(List.of(FRONT_PROXY_CA.certificate()), settings.clientCAs());
        assertEquals(List.of("X-Proxy-User"), settings.usernameHeaders());
        assertEquals(List.of(), settings.uidHeaders(), "no UID header the cluster did not name");
    }

    @Test
    void readsAPemBundleFile(@TempDir Path dir) throws Exception {
        Path bundle = Files.writeString(dir.resolve("ca.crt"),
                "# front proxy\n" + FRONT_PROXY_CA.certificatePem() + CLUSTER_CA.certificatePem());

        List<X509Certificate> certificates = AuthenticationSettings.readPemBundle(bundle);

        assertEquals(List.of(FRONT_PROXY_CA.certificate(), CLUSTER_CA.certificate()), certificates);
    }

    @Test
    void pemFileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.crt");
        Path empty = Files.writeString(dir.resolve("empty.crt"), "");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"),
                "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n");

        for (Path file : List.of(missing, empty, garbage)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> AuthenticationSettings.readPemBundle(file), file.toString());
            assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        }
    }

    @Test
    void toStringNamesCertificatesBySubject() {
        String text = AuthenticationSettings.fromConfigMap(kubeadmConfigMap()).toString();

        assertTrue(text.contains("CN=front-proxy-ca"), text);
        assertTrue(!text.contains("BEGIN CERTIFICATE") && text.length() < 600, text);
    }
}
