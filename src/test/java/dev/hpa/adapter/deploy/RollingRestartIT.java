package dev.hpa.adapter.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.playground.AdapterProcess;
import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;
import dev.hpa.adapter.testing.TestIdentities;
import dev.hpa.adapter.testing.TestPods;
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
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl rollout restart} of the two-replica Deployment while the HPA reads, with not one failed read. The
 * replicas are the built jar with its production settings (scrape interval, shutdown delay and timeout), serving TLS
 * with a real certificate; in front of them a stand-in Service that sends new connections only to replicas whose
 * readiness probe passes, about a second late; before it a caller like kube-apiserver's aggregator (long-lived HTTP/2
 * connections, front-proxy client certificate, requests without pause). The rollout goes as the Deployment's
 * strategy (maxSurge 1, maxUnavailable 0) has the controller do it: start a new replica, wait until it is Ready,
 * delete an old one (SIGTERM), and again.
 * <p>
 * Every answer must be a 200 with every known pod in it: a failed request, a 404 for a pod a new replica has not
 * read yet, a 503 of a replica going away, all count. Each old replica must exit within the Deployment's
 * terminationGracePeriodSeconds.
 */
class RollingRestartIT {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    static final Path JAR = ROOT.resolve("target/quarkus-app/quarkus-run.jar");
    static final String NAMESPACE = "kserve-test";
    static final String METRICS = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NAMESPACE + "/pods/";
    /** The kubelet probes every periodSeconds (5 s in the Deployment); shorter here, to keep the test short. */
    static final Duration PROBE_PERIOD = Duration.ofMillis(500);
    /** From the pod's status to the EndpointSlice to kube-proxy's rules. */
    static final Duration ENDPOINTS_LAG = Duration.ofSeconds(1);
    /** A JVM starts in 3-5 s here; on a machine shared with other builds it has taken 57 s. */
    static final Duration START_WITHIN = Duration.ofSeconds(120);

    private final List<AdapterProcess> replicas = new ArrayList<>();
    /** Answers leaving a known pod out as stale (see answerProblem). */
    private final AtomicInteger leftOutAsStale = new AtomicInteger();
    private MockWebServer apiServer;
    private KubernetesMockServer api;
    private TestPods pods;
    private Vertx vertx;
    private ServiceBalancer service;
    private AggregatorCaller aggregator;

    @BeforeEach
    void cluster() {
        AdapterProcess.jar(JAR);
        Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        apiServer = new MockWebServer();
        api = new KubernetesMockServer(new Context(), apiServer, expectations,
                new KubernetesMixedDispatcher(expectations), true);
        api.init(InetAddress.getLoopbackAddress(), 0);
        api.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews").andReply(201, request -> {
            SubjectAccessReview review = Serialization.unmarshal(request.getUtf8Body(), SubjectAccessReview.class);
            review.setStatus(new SubjectAccessReviewStatusBuilder()
                    .withAllowed(AggregatorCaller.HPA_USER.equals(review.getSpec().getUser())).build());
            return review;
        }).always();
        KubernetesClient client = api.createClient();
        client.configMaps().inNamespace("kube-system").resource(TestIdentities.authenticationConfigMap()).create();
        pods = new TestPods(client);
    }

    @AfterEach
    void stop() throws Exception {
        if (aggregator != null) {
            aggregator.stop();
            aggregator.close();
        }
        for (AdapterProcess replica : replicas) {
            replica.close();
        }
        if (service != null) {
            service.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        pods.close();
        api.destroy();
    }

    @Test
    void aRolloutRestartFailsNoRequest() throws Exception {
        // Gauges (vLLM) answer after one read, counters (TorchServe) after two: a replica that served before it
        // had read both twice would answer 404 for some.
        Map<String, FakeModelServer> known = new LinkedHashMap<>();
        for (FakeModelServer.Format format : List.of(FakeModelServer.Format.VLLM, FakeModelServer.Format.TORCHSERVE)) {
            for (int i = 0; i < 2; i++) {
                String name = format.name().toLowerCase() + "-predictor-" + i;
                FakeModelServer model = pods.loaded(format, 2, Duration.ofMillis(200));
                pods.ready(NAMESPACE, name, format.name().toLowerCase(), model);
                known.put(name, model);
            }
        }
        List<String> paths = new ArrayList<>();
        known.keySet().forEach(name -> paths.add(METRICS + name + "/concurrency"));
        paths.add(METRICS + "*/concurrency?labelSelector=" + TestPods.ISVC_LABEL);

        Deployment deployment = Serialization.unmarshal(Files.readString(ROOT.resolve("manifests/base/deployment.yaml")),
                Deployment.class);
        Duration grace = Duration.ofSeconds(deployment.getSpec().getTemplate().getSpec()
                .getTerminationGracePeriodSeconds());

        Path dir = Files.createDirectories(ROOT.resolve("target/rolling-restart-it"));
        Authority servingCa = TestCertificates.authority("rolling-restart-ca");
        PemFiles serving = servingCa.issue(Leaf.server("localhost", "127.0.0.1")).writePem(dir, "serving");
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "https://localhost:%d", certificate-authority: %s}}]
                users: [{name: adapter, user: {token: adapter-service-account-token}}]
                contexts: [{name: mock, context: {cluster: mock, user: adapter}}]
                current-context: mock
                """.formatted(apiServer.getPort(), apiServer.getSelfSignedCertificate().certificatePath()));

        SSLContext trust = servingCa.trustingContext();
        service = new ServiceBalancer(trust, PROBE_PERIOD, ENDPOINTS_LAG);
        Replica old0 = start("old-0", dir, kubeconfig, serving);
        Replica old1 = start("old-1", dir, kubeconfig, serving);
        old0.process.awaitReady(trust, START_WITHIN);
        old1.process.awaitReady(trust, START_WITHIN);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.endpoints().size() == 2);

        vertx = Vertx.vertx();
        aggregator = new AggregatorCaller(vertx, TestIdentities.FRONT_PROXY_CLIENT, servingCa.trustStore(),
                "localhost", service.port(), paths, (path, status, body) -> answerProblem(known, path, status, body))
                .start(8);
        await().atMost(Duration.ofSeconds(30)).until(() -> aggregator.answered() >= 100);
        assertEquals(List.of(), aggregator.failures(), "before the rollout");

        List<CompletableFuture<String>> exits = new ArrayList<>();
        int n = 0;
        for (Replica old : List.of(old0, old1)) {
            Replica replacement = start("new-" + n++, dir, kubeconfig, serving);
            replacement.process.awaitReady(trust, START_WITHIN);
            exits.add(terminate(old, grace));
            // At once: readiness fails while the replica still serves (its liveness, and the aggregator's requests)
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> probe(trust, old, "/readyz") != 200);
            assertEquals(200, probe(trust, old, "/livez"), old.name + " still serves after SIGTERM");
        }
        List<String> exitProblems = exits.stream().map(CompletableFuture::join).filter(p -> p != null).toList();
        await().atMost(Duration.ofSeconds(5)).until(() -> service.endpoints().equals(List.of("new-0", "new-1")));
        long before = aggregator.answered();
        Thread.sleep(1000);
        aggregator.stop();

        String summary = ("%d answers (%d leaving a known pod out as stale), %d requests sent again after a GOAWAY,"
                + " %d connections, %d GOAWAYs; connections per replica %s").formatted(aggregator.answered(),
                        leftOutAsStale.get(), aggregator.resent(), aggregator.connections(), aggregator.goAways(),
                        replicaConnections());
        System.out.println("RollingRestartIT: " + summary);
        assertEquals(List.of(), exitProblems, summary);
        assertEquals(List.of(), aggregator.failures(), summary);
        assertTrue(leftOutAsStale.get() <= aggregator.answered() / 50, "more than 2 % stale answers: " + summary);
        assertTrue(aggregator.answered() > before, "the new replicas answer after the rollout: " + summary);
        // One connection at a time, as Go keeps: it stays on the old replica it was given (one of the two, by the
        // round robin) until that one's GOAWAY, then goes to a ready replica
        assertTrue(service.connections("new-0") + service.connections("new-1") > 0, summary);
        assertTrue(aggregator.goAways() >= 1, "an old replica sent the aggregator away: " + summary);
    }

    private record Replica(String name, AdapterProcess process) {
    }

    private Replica start(String name, Path dir, Path kubeconfig, PemFiles serving) {
        AdapterProcess process = AdapterProcess.start(JAR, kubeconfig, serving.certFile(), serving.keyFile(),
                AdapterProcess.freePort(), Map.of("ADAPTER_PODS_LABEL_SELECTOR", TestPods.ISVC_LABEL),
                dir.resolve(name + ".log"));
        replicas.add(process);
        service.podCreated(name, process.securePort());
        return new Replica(name, process);
    }

    /** kubectl delete pod: out of the endpoints, SIGTERM; a problem if it outlives the grace period. */
    private CompletableFuture<String> terminate(Replica old, Duration grace) {
        service.podDeleted(old.name);
        long sent = System.nanoTime();
        old.process.terminate();
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (!old.process.awaitExit(grace)) {
                    return old.name + " still runs " + grace.toSeconds() + " s after SIGTERM; " + old.process.tail();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return old.name + ": interrupted";
            }
            System.out.printf("RollingRestartIT: %s exited %d ms after SIGTERM with status %d%n", old.name,
                    (System.nanoTime() - sent) / 1_000_000, old.process.exitValue());
            return List.of(0, 143).contains(old.process.exitValue()) ? null
                    : old.name + " exited with " + old.process.exitValue() + "; " + old.process.tail();
        });
    }

    /** The status of a GET of {@code path} on the replica itself, not through the Service; -1 without an answer. */
    private static int probe(SSLContext trust, Replica replica, String path) {
        // HTTP/1.1, as the kubelet probes (JDK 17's HTTP/2 client fails a stream in flight on a GOAWAY)
        HttpClient http = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("https://localhost:" + replica.process.securePort()
                + path)).timeout(Duration.ofSeconds(2)).build();
        try {
            return http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * A 200 with the pod's value; for the list a 200. Anything else is a failed HPA read, except a pod left out
     * because it had no successful scrape for 3 intervals: that is the adapter's honest answer when this crowded
     * machine starves its timers or the fake pods (seen at load averages of 25-30 on 2 cores), whatever the
     * rollout does. It is counted, and a pod a replica has not read yet ("not scraped yet", or a counter's first
     * read) is never excused. Lists leave such pods out without a reason, so a list missing a known pod is counted
     * with them.
     */
    private String answerProblem(Map<String, FakeModelServer> known, String path, int status, String body) {
        if (status == 404 && body.contains("no successful scrape in the last")) {
            leftOutAsStale.incrementAndGet();
            return null;
        }
        if (status != 200) {
            return "HTTP " + status + ": " + body;
        }
        List<String> missing = known.keySet().stream().filter(name -> path.contains(name) || path.contains("*"))
                .filter(name -> !body.contains("\"name\":\"" + name + "\"")).toList();
        if (missing.isEmpty()) {
            return null;
        }
        if (path.contains("*")) {
            leftOutAsStale.incrementAndGet();
            return null;
        }
        return "200 without " + missing + ": " + body;
    }

    private String replicaConnections() {
        return List.of("old-0", "old-1", "new-0", "new-1").stream()
                .collect(Collectors.toMap(name -> name, service::connections, (a, b) -> a, LinkedHashMap::new))
                .toString();
    }
}
