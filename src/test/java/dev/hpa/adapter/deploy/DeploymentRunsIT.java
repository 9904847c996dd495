package dev.hpa.adapter.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pod starts as the Deployment of {@code kubectl kustomize manifests/} runs it. The container spec (command,
 * env, ports, probes, volume mounts, securityContext, memory limit) drives everything here, read from the render, not
 * repeated: the built jar is placed where the image has it, and the command runs in a root of its own, read-only
 * except for the spec's emptyDir volumes, with the service-account files at the path the kubelet mounts them, as the
 * spec's non-root user, without capabilities and with no_new_privs. The cluster is the fabric8 mock (CRUD) behind
 * HTTPS, holding the rendered objects as {@code kubectl apply} would create them.
 * <p>
 * It must become ready on the readiness probe's path and port within the time the startup probe allows, make its own
 * certificate and publish the CA in the APIServices, and answer the API over TLS verified against that caBundle for
 * the Service's DNS name, as the aggregator does. SIGTERM must end it within terminationGracePeriodSeconds.
 * <p>
 * Needs root, unshare, chroot and setpriv (a mount namespace per pod), and kubectl; skips with the reason otherwise.
 */
class DeploymentRunsIT {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    static final Path APP = ROOT.resolve("target/quarkus-app");
    static final String NAMESPACE = ManifestsTest.NAMESPACE;
    static final String POD_NAME = "hpa-metrics-adapter-7d9c6b8f4-x2x7q";
    static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String HPA_USER = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";

    private KubernetesMockServer api;
    private MockWebServer apiServer;
    private Process pod;
    private Path work;
    private Path log;
    private TestPods pods;

    @BeforeEach
    void canRunAPod() throws Exception {
        Assumptions.assumeTrue(ManifestsTest.onPath("kubectl"), "kubectl not on PATH: cannot render manifests/");
        for (String tool : List.of("unshare", "chroot", "setpriv", "mount")) {
            Assumptions.assumeTrue(ManifestsTest.onPath(tool), tool + " not on PATH (util-linux/coreutils):"
                    + " cannot give the pod a root file system of its own");
        }
        Assumptions.assumeTrue(exec("unshare", "--mount", "true") == 0, "unshare --mount is not permitted here (needs"
                + " root with CAP_SYS_ADMIN, as a container runtime has): cannot give the pod a root file system of its own");
        assertTrue(Files.isRegularFile(APP.resolve("quarkus-run.jar")), APP + "/quarkus-run.jar is missing: this test"
                + " runs in the integration-test phase, after quarkus:build (./mvnw -B verify)");
    }

    @AfterEach
    void stop() throws Exception {
        if (pod != null && pod.isAlive()) {
            pod.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (pods != null) {
            pods.close();
        }
        if (api != null) {
            api.destroy();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /**
     * The default install (self-managed certificate) and the bring-your-own overlay (a mounted Secret, made by its
     * script on a copy of the manifests).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {ManifestsTest.INSTALL, ManifestsTest.SELF_SIGNED})
    void theInstalledPodBecomesReadyAndAnswersTheAggregatorWithTheCaInCaBundle(String dir) throws Exception {
        if (dir.equals(ManifestsTest.SELF_SIGNED)) {
            Assumptions.assumeTrue(ManifestsTest.onPath("openssl"), "openssl not on PATH: make-certs.sh cannot run");
        }
        List<HasMetadata> install = dir.equals(ManifestsTest.SELF_SIGNED) ? ManifestsTest.renderSelfSigned(ROOT)
                : ManifestsTest.kustomize(ROOT, dir);
        Deployment deployment = ManifestsTest.deployment(install);
        PodSpec spec = deployment.getSpec().getTemplate().getSpec();
        Container c = ManifestsTest.adapterContainer(deployment);

        startApi(install);
        KubernetesClient client = api.createClient();
        pods = new TestPods(client);
        FakeModelServer model = pods.loaded(FakeModelServer.Format.VLLM, 3, Duration.ofSeconds(30));
        pods.ready("kserve-test", "llama-predictor-0", "llama", model);

        Map<String, Integer> ports = new LinkedHashMap<>();
        c.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
        for (int port : ports.values()) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(port));
            } catch (IOException e) {
                fail("port " + port + " of the Deployment's container is taken on this machine (" + e.getMessage()
                        + "): stop what listens there; the pod shares this machine's network");
            }
        }

        pod = startPod(spec, c, install);
        Probe readiness = c.getReadinessProbe();
        Probe startup = Objects.requireNonNullElse(c.getStartupProbe(), readiness);
        Duration allowed = Duration.ofSeconds((long) startup.getPeriodSeconds() * startup.getFailureThreshold());
        await().atMost(allowed).pollInterval(Duration.ofMillis(500)).until(() -> {
            assertTrue(pod.isAlive(), () -> "the pod exited with " + pod.exitValue() + ":\n" + logTail());
            return probe(readiness, ports) == 200;
        });
        assertEquals(200, probe(c.getLivenessProbe(), ports), "liveness probe after readiness:\n" + logTail());

        assertRunsAsTheSpecSays(spec, c);

        // Both APIServices trust the serving certificate through one caBundle: with self-managed certificates the
        // adapter wrote its Secret's CAs there; otherwise the install brought both.
        List<String> apiServiceNames = ManifestsTest.apiServices(install).stream().map(a -> a.getMetadata().getName())
                .toList();
        String ca;
        if (ManifestsTest.selfManaged(deployment)) {
            String secretName = ManifestsTest.env(c, "ADAPTER_TLS_SELF_MANAGED_SECRET_NAME")
                    .orElse("hpa-metrics-adapter-certificates");
            Secret secret = await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.secrets().inNamespace(NAMESPACE).withName(secretName).get(), Objects::nonNull);
            ca = new String(Base64.getDecoder().decode(secret.getData().get("ca.crt")), StandardCharsets.US_ASCII);
        } else {
            ca = caBundle(client, apiServiceNames.get(0));
        }
        for (String name : apiServiceNames) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(ca, caBundle(client, name),
                    "APIService " + name + ": caBundle must hold the CA of the certificate the pod serves"));
        }

        // The aggregator: dials the Service's port, verifies the serving certificate against caBundle for
        // <service>.<namespace>.svc, presents the front-proxy client certificate and the caller's identity.
        String serviceDns = ManifestsTest.service(install).getMetadata().getName() + "." + NAMESPACE + ".svc";
        SSLContext aggregator = aggregatorContext(ca);
        int securePort = ports.get("https");
        Response discovery = get(aggregator, serviceDns, securePort, "/apis/custom.metrics.k8s.io/v1beta2");
        assertEquals(200, discovery.status(), discovery.body());
        assertTrue(discovery.body().contains("\"APIResourceList\"") && discovery.body().contains("concurrency"),
                discovery.body());
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Response metric = get(aggregator, serviceDns, securePort,
                    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/kserve-test/pods/llama-predictor-0/concurrency");
            assertEquals(200, metric.status(), metric.body());
            assertTrue(metric.body().contains("\"value\":\"3\""), "vLLM holds 3 requests in flight: " + metric.body());
        });

        // kubectl delete pod: SIGTERM, then SIGKILL after the grace period.
        long grace = Objects.requireNonNullElse(spec.getTerminationGracePeriodSeconds(), 30L);
        pod.destroy();
        assertTrue(pod.waitFor(grace, TimeUnit.SECONDS), "the pod did not exit within terminationGracePeriodSeconds ("
                + grace + " s) of SIGTERM:\n" + logTail());
        assertTrue(List.of(0, 143).contains(pod.exitValue()), "exit status after SIGTERM: " + pod.exitValue() + "\n"
                + logTail());
    }

    private static String caBundle(KubernetesClient client, String apiService) {
        String caBundle = client.resources(APIService.class).withName(apiService).get().getSpec().getCaBundle();
        return caBundle == null ? null : new String(Base64.getDecoder().decode(caBundle), StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------------------------------------- the cluster

    /** The mock API over HTTPS, holding what {@code kubectl apply} of the install creates, and a permissive RBAC. */
    private void startApi(List<HasMetadata> install) {
        Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        apiServer = new MockWebServer();
        api = new KubernetesMockServer(new Context(), apiServer, expectations,
                new KubernetesMixedDispatcher(expectations), true);
        api.init(InetAddress.getLoopbackAddress(), 0);
        api.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                .andReply(201, request -> {
                    SubjectAccessReview review = Serialization.unmarshal(request.getUtf8Body(), SubjectAccessReview.class);
                    boolean allowed = HPA_USER.equals(review.getSpec().getUser());
                    review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed).build());
                    return review;
                }).always();
        KubernetesClient client = api.createClient();
        client.configMaps().inNamespace("kube-system").resource(TestIdentities.authenticationConfigMap()).create();
        for (HasMetadata o : install) {
            client.resource(o).create();
        }
    }

    // ---------------------------------------------------------------------------------------------- the pod

    /**
     * The command of the container spec, in a mount namespace of its own: a read-only root made of this machine's
     * /usr and /etc (the JDK stands in for the image's), the application at /deployments as the image lays it out,
     * the spec's emptyDir volumes as tmpfs of their sizeLimit and its Secret volumes as the kubelet writes them (the
     * Secret's keys as files of defaultMode, group fsGroup), the service-account files, then chroot, the spec's user
     * (with fsGroup as supplementary group), no capabilities and no_new_privs, and exactly the spec's environment.
     */
    private Process startPod(PodSpec spec, Container c, List<HasMetadata> install) throws IOException {
        work = Files.createTempDirectory("pod-");
        Path rootfs = Files.createDirectories(work.resolve("rootfs"));
        Path serviceAccount = Files.createDirectories(work.resolve("serviceaccount"));
        Files.writeString(serviceAccount.resolve("token"), "adapter-service-account-token");
        Files.copy(Path.of(apiServer.getSelfSignedCertificate().certificatePath()), serviceAccount.resolve("ca.crt"));
        Files.writeString(serviceAccount.resolve("namespace"), NAMESPACE);
        try (var files = Files.list(serviceAccount)) {
            for (Path f : files.toList()) { // the kubelet's default for the projected service-account volume
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        log = ROOT.resolve("target/deployment-runs-it.log");

        String javaHome = Path.of(System.getProperty("java.home")).toRealPath().toString();
        List<String> mounts = new ArrayList<>();
        mounts.add("mount -t tmpfs -o mode=0755 rootfs \"$root\"");
        mounts.add("for d in bin sbin lib lib32 lib64 libx32; do if [ -L /$d ]; then cp -P /$d \"$root/$d\"; fi; done");
        for (String dir : List.of("/usr", "/etc", "/proc", "/dev", "/sys")) {
            mounts.add(bind(dir, dir, !List.of("/proc", "/dev").contains(dir)));
        }
        if (!javaHome.startsWith("/usr/")) {
            mounts.add(bind(javaHome, javaHome, true));
        }
        mounts.add(bind(APP.toString(), "/deployments", true));
        mounts.add(bind(serviceAccount.toString(), SERVICE_ACCOUNT_DIR, true));
        mounts.add("mkdir -p \"$root/home/jboss\"");
        for (VolumeMount m : ManifestsTest.nonNull(c.getVolumeMounts())) {
            Volume v = spec.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                    .orElseGet(() -> fail("volumeMount " + m.getName() + " names no volume"));
            if (v.getSecret() != null) {
                Path files = secretVolume(spec, v, install);
                mounts.add(bind(files.toString(), m.getMountPath(), true));
                continue;
            }
            if (v.getEmptyDir() == null) {
                fail("volume " + v.getName() + " is neither an emptyDir nor a Secret: add it to this test");
            }
            Quantity size = v.getEmptyDir().getSizeLimit();
            mounts.add("mkdir -p \"$root" + m.getMountPath() + "\" && mount -t tmpfs -o mode=1777"
                    + (size == null ? "" : ",size=" + Quantity.getAmountInBytes(size).longValue()) + " " + v.getName()
                    + " \"$root" + m.getMountPath() + "\"");
        }
        mounts.add("mount -o remount,ro \"$root\"");

        long uid = runAs(spec, c);
        Map<String, String> env = podEnv(c);
        env.put("PATH", javaHome + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/home/jboss");
        env.put("HOSTNAME", POD_NAME);
        env.put("KUBERNETES_SERVICE_HOST", "localhost");
        env.put("KUBERNETES_SERVICE_PORT", String.valueOf(apiServer.getPort()));
        // The container's memory limit is what the JVM sizes itself by in a pod (cgroup); here it says so itself.
        Quantity memory = c.getResources() == null || c.getResources().getLimits() == null ? null
                : c.getResources().getLimits().get("memory");
        if (memory != null) {
            env.put("JDK_JAVA_OPTIONS", "-XX:MaxRAM=" + Quantity.getAmountInBytes(memory).longValue());
        }

        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "bash", "-ec",
                "root=\"$1\"; shift\n" + String.join("\n", mounts) + "\nexec chroot \"$root\" \"$@\"",
                "pod", rootfs.toString(),
                "/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid,
                fsGroup(spec) == null ? "--clear-groups" : "--groups=" + fsGroup(spec), "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all", "--",
                "/usr/bin/env", "-i", "--chdir=/deployments"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(c.getCommand());
        command.addAll(ManifestsTest.nonNull(c.getArgs()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** The Secret the volume names, from the install, as files the way the kubelet projects them. */
    private Path secretVolume(PodSpec spec, Volume v, List<HasMetadata> install) throws IOException {
        String name = v.getSecret().getSecretName();
        Secret secret = install.stream().filter(Secret.class::isInstance).map(Secret.class::cast)
                .filter(x -> name.equals(x.getMetadata().getName())).findFirst()
                .orElseGet(() -> fail("volume " + v.getName() + " mounts Secret " + name + ", which the install lacks"));
        Path dir = Files.createDirectories(work.resolve("volume-" + v.getName()));
        int mode = Objects.requireNonNullElse(v.getSecret().getDefaultMode(), 0644);
        for (Map.Entry<String, String> e : secret.getData().entrySet()) {
            Path file = Files.write(dir.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
            Files.setPosixFilePermissions(file, permissions(mode));
            if (fsGroup(spec) != null) {
                Files.setAttribute(file, "unix:gid", fsGroup(spec).intValue());
            }
        }
        return dir;
    }

    private static Long fsGroup(PodSpec spec) {
        return spec.getSecurityContext() == null ? null : spec.getSecurityContext().getFsGroup();
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder rwx = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            rwx.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(rwx.toString());
    }

    private static String bind(String from, String to, boolean readOnly) {
        String target = "\"$root" + to + "\"";
        return "mkdir -p " + target + " && mount --rbind " + from + " " + target
                + (readOnly ? " && mount -o remount,bind,ro " + target : "");
    }

    /** runAsUser of the container, else of the pod; the spec must say one, and not root. */
    private static long runAs(PodSpec spec, Container c) {
        Long uid = c.getSecurityContext() != null && c.getSecurityContext().getRunAsUser() != null
                ? c.getSecurityContext().getRunAsUser()
                : spec.getSecurityContext() == null ? null : spec.getSecurityContext().getRunAsUser();
        assertTrue(uid != null && uid != 0, "the Deployment must set a non-root runAsUser; has " + uid);
        return uid;
    }

    /** The spec's env as the kubelet resolves it for this pod. */
    private static Map<String, String> podEnv(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : ManifestsTest.nonNull(c.getEnv())) {
            if (e.getValueFrom() == null) {
                env.put(e.getName(), Objects.requireNonNullElse(e.getValue(), ""));
            } else if (e.getValueFrom().getFieldRef() != null) {
                String field = e.getValueFrom().getFieldRef().getFieldPath();
                env.put(e.getName(), switch (field) {
                    case "metadata.namespace" -> NAMESPACE;
                    case "metadata.name" -> POD_NAME;
                    case "status.podIP" -> "127.0.0.1";
                    default -> fail("env " + e.getName() + ": fieldRef " + field + " is not resolved by this test; add it");
                });
            } else {
                fail("env " + e.getName() + ": only value and fieldRef are resolved by this test; add " + e.getValueFrom());
            }
        }
        return env;
    }

    /** What the kernel says of the running pod: the spec's user, no capabilities, no_new_privs. */
    private void assertRunsAsTheSpecSays(PodSpec spec, Container c) throws IOException {
        Map<String, String> status = Files.readAllLines(Path.of("/proc/" + pod.pid() + "/status")).stream()
                .filter(l -> l.contains(":"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).trim(),
                        (a, b) -> a));
        long uid = runAs(spec, c);
        assertTrue(status.get("Uid").startsWith(uid + "\t"), "Uid: " + status.get("Uid"));
        assertEquals("0000000000000000", status.get("CapEff"), "effective capabilities");
        assertEquals("0000000000000000", status.get("CapBnd"), "capability bounding set (drop: ALL)");
        assertEquals("1", status.get("NoNewPrivs"), "allowPrivilegeEscalation: false");
    }

    /** An httpGet probe as the kubelet sends it: HTTPS without verifying the certificate. */
    private static int probe(Probe probe, Map<String, Integer> ports) {
        HTTPGetAction get = probe.getHttpGet();
        int port = get.getPort().getIntVal() != null ? get.getPort().getIntVal() : ports.get(get.getPort().getStrVal());
        try {
            SSLContext kubelet = SSLContext.getInstance("TLS");
            kubelet.init(null, new TrustManager[] {new TrustingEverything()}, new SecureRandom());
            Response r = request(kubelet.getSocketFactory().createSocket("127.0.0.1", port), "127.0.0.1", get.getPath(),
                    Map.of());
            return r.status();
        } catch (IOException | java.security.GeneralSecurityException e) {
            return -1; // not listening yet
        }
    }

    // ---------------------------------------------------------------------------------------------- the aggregator

    private static SSLContext aggregatorContext(String caBundle) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(caBundle.getBytes(StandardCharsets.US_ASCII)));
        int i = 0;
        for (Certificate ca : cas) {
            trust.setCertificateEntry("ca-" + i++, ca);
        }
        return TestCertificates.sslContext(TestIdentities.FRONT_PROXY_CLIENT.keyStore(), trust);
    }

    /** GET over TLS to 127.0.0.1, verifying the certificate for {@code serverName} (SNI and endpoint identification). */
    private static Response get(SSLContext context, String serverName, int port, String path) throws IOException {
        Socket tcp = new Socket("127.0.0.1", port);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(tcp, serverName, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        return request(tls, serverName, path, Map.of("X-Remote-User", HPA_USER, "X-Remote-Group", "system:serviceaccounts"));
    }

    record Response(int status, String body) {
    }

    /** One HTTP/1.1 request with Connection: close; the body de-chunked. */
    private static Response request(Socket socket, String host, String path, Map<String, String> headers)
            throws IOException {
        try (socket) {
            socket.setSoTimeout(5000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nAccept: application/json\r\nConnection: close\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new IOException("no complete HTTP response: " + response);
            }
            String head = response.substring(0, end);
            String body = response.substring(end + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new Response(Integer.parseInt(head.split(" ", 3)[1]), body);
        }
    }

    private static String dechunk(String chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int line = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, line).split(";")[0].trim(), 16);
            if (size == 0) {
                return body.toString(StandardCharsets.UTF_8);
            }
            body.writeBytes(chunked.substring(line + 2, line + 2 + size).getBytes(StandardCharsets.UTF_8));
            at = line + 2 + size + 2;
        }
    }

    private static final class TrustingEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }
}
