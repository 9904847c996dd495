package dev.hpa.adapter.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import dev.hpa.adapter.tls.ServingCertificate;
import dev.hpa.adapter.tls.ServingCertificateFiles;

/**
 * manifests/overlays/self-signed/make-certs.sh, run for real: the adapter's own loader accepts what it writes, curl
 * verifies a TLS server using it against ca.crt under the Service's DNS name, the kustomize files carry exactly
 * those files, and a re-run keeps the CA (so the APIServices' caBundle stays valid).
 */
class SelfSignedScriptTest {

    private static final String SERVICE_DNS = "hpa-metrics-adapter.kserve-autoscaling.svc";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final Path SCRIPT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .resolve("manifests/overlays/self-signed/make-certs.sh");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsBashAndOpenssl() {
        assumeTrue(commandRuns("bash", "--version"), "bash is not on PATH: make-certs.sh cannot run, test skipped");
        assumeTrue(commandRuns("openssl", "version"), "openssl is not on PATH: make-certs.sh cannot run, test skipped");
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);
    }

    @Test
    void theAdapterLoadsTheServingCertificateForTheServiceNameSignedByTheCa() throws Exception {
        Path out = runScript("out");

        ServingCertificate serving = new ServingCertificateFiles(out.resolve("tls.crt"), out.resolve("tls.key"))
                .read().decode();
        X509Certificate ca = certificate(out.resolve("ca.crt"));
        X509Certificate leaf = serving.leaf();

        assertEquals(List.of(SERVICE_DNS, SERVICE_DNS + ".cluster.local"), serving.subjectAlternativeNames());
        leaf.verify(ca.getPublicKey());
        assertEquals(ca.getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertTrue(leaf.getExtendedKeyUsage().contains(SERVER_AUTH), "serverAuth EKU: " + leaf.getExtendedKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints(), "the serving certificate must not be a CA");
        assertTrue(ca.getBasicConstraints() >= 0, "ca.crt must be a CA");
        assertEquals(365, validDays(leaf));
        assertEquals(1825, validDays(ca));
        ca.verify(ca.getPublicKey());
    }

    @Test
    void curlVerifiesAnHttpsServerWithThePairAgainstCaCrtUnderTheServiceName() throws Exception {
        assumeTrue(commandRuns("curl", "--version"), "curl is not on PATH: the HTTPS check is skipped");
        Path out = runScript("out");
        Path otherCa = runScript("other").resolve("ca.crt");
        ServingCertificate serving = new ServingCertificateFiles(out.resolve("tls.crt"), out.resolve("tls.key"))
                .read().decode();

        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(serving.keyStore(), ServingCertificate.keyStorePassword());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream response = exchange.getResponseBody()) {
                response.write(body);
            }
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            String url = "https://" + SERVICE_DNS + ":" + port + "/";
            String resolve = SERVICE_DNS + ":" + port + ":127.0.0.1";
            Path body = tmp.resolve("body.txt");

            Result trusted = run(tmp.resolve("curl.log"), "curl", "-sS", "--max-time", "20", "--cacert",
                    out.resolve("ca.crt").toString(), "--resolve", resolve, "-o", body.toString(), url);
            assertEquals(0, trusted.exitCode(), "curl --cacert ca.crt " + url + " failed:\n" + trusted.log());
            assertEquals("ok\n", Files.readString(body));

            Result untrusted = run(tmp.resolve("curl-other.log"), "curl", "-sS", "--max-time", "20", "--cacert",
                    otherCa.toString(), "--resolve", resolve, "-o", tmp.resolve("other.txt").toString(), url);
            assertNotEquals(0, untrusted.exitCode(), "curl trusted a server under an unrelated CA:\n" + untrusted.log());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theSecretAndTheCaBundlePatchesCarryTheGeneratedFiles() throws Exception {
        Path out = runScript("out");
        String secret = Files.readString(out.resolve("secret.yaml"));
        String patches = Files.readString(out.resolve("apiservice-cabundle.yaml"));

        assertTrue(secret.contains("\nkind: Secret\n"), secret);
        assertTrue(secret.contains("\n  name: hpa-metrics-adapter-serving-cert\n"), secret);
        assertTrue(secret.contains("\n  namespace: kserve-autoscaling\n"), secret);
        assertTrue(secret.contains("\ntype: kubernetes.io/tls\n"), secret);
        for (String file : List.of("tls.crt", "tls.key", "ca.crt")) {
            assertArrayEquals(Files.readAllBytes(out.resolve(file)), decoded(secret, file), "secret.yaml " + file);
        }

        List<String> caBundles = values(patches, "caBundle");
        assertEquals(2, caBundles.size(), patches);
        for (String caBundle : caBundles) {
            assertArrayEquals(Files.readAllBytes(out.resolve("ca.crt")), Base64.getDecoder().decode(caBundle));
        }
        assertEquals(List.of("v1beta2.custom.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io"), values(patches, "name"));
        assertEquals(2, patches.split("\nkind: APIService\n", -1).length - 1, patches);
    }

    @Test
    void aSecondRunKeepsTheCaAndTheServingCertificateAndForceReplacesTheCa() throws Exception {
        Path out = runScript("out");
        byte[] caCrt = Files.readAllBytes(out.resolve("ca.crt"));
        byte[] caKey = Files.readAllBytes(out.resolve("ca.key"));
        byte[] tlsCrt = Files.readAllBytes(out.resolve("tls.crt"));
        String patches = Files.readString(out.resolve("apiservice-cabundle.yaml"));

        runScript("out");

        assertArrayEquals(caCrt, Files.readAllBytes(out.resolve("ca.crt")), "a re-run replaced ca.crt");
        assertArrayEquals(caKey, Files.readAllBytes(out.resolve("ca.key")), "a re-run replaced ca.key");
        assertArrayEquals(tlsCrt, Files.readAllBytes(out.resolve("tls.crt")), "a re-run replaced a valid tls.crt");
        assertEquals(patches, Files.readString(out.resolve("apiservice-cabundle.yaml")));

        // A lost serving certificate is re-issued by the same CA, so caBundle need not change.
        Files.delete(out.resolve("tls.crt"));
        runScript("out");
        assertArrayEquals(caCrt, Files.readAllBytes(out.resolve("ca.crt")));
        assertFalse(java.util.Arrays.equals(tlsCrt, Files.readAllBytes(out.resolve("tls.crt"))));
        certificate(out.resolve("tls.crt")).verify(certificate(out.resolve("ca.crt")).getPublicKey());

        runScript("out", "--force");
        byte[] newCa = Files.readAllBytes(out.resolve("ca.crt"));
        assertFalse(java.util.Arrays.equals(caCrt, newCa), "--force kept the old CA");
        certificate(out.resolve("tls.crt")).verify(certificate(out.resolve("ca.crt")).getPublicKey());
        assertArrayEquals(newCa, decoded(Files.readString(out.resolve("secret.yaml")), "ca.crt"));
    }

    private Path runScript(String dir, String... options) throws Exception {
        Path out = tmp.resolve(dir);
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(options));
        command.add(out.toString());
        Result result = run(tmp.resolve("make-certs-" + dir + ".log"), command.toArray(String[]::new));
        assertEquals(0, result.exitCode(), String.join(" ", command) + " failed:\n" + result.log());
        return out;
    }

    private record Result(int exitCode, String log) {
    }

    /** Runs a command with stdout and stderr to a log file (never the test's own streams). */
    private static Result run(Path log, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return new Result(-1, "timed out after 60 s\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }

    private static boolean commandRuns(String... command) {
        try {
            Path log = Files.createTempFile("self-signed-probe", ".log");
            try {
                return run(log, command).exitCode() == 0;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
    }

    private static long validDays(X509Certificate certificate) {
        return Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant()).toDays();
    }

    private static byte[] decoded(String yaml, String key) {
        List<String> found = values(yaml, Pattern.quote(key));
        assertEquals(1, found.size(), key + " in\n" + yaml);
        return Base64.getDecoder().decode(found.get(0));
    }

    /** The scalar values of every "key: value" line with that key, at any indentation. */
    private static List<String> values(String yaml, String keyPattern) {
        Matcher matcher = Pattern.compile("(?m)^\\s*" + keyPattern + ": (\\S+)$").matcher(yaml);
        List<String> found = new ArrayList<>();
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
