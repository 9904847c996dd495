package dev.hpa.adapter.bench;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A Kubernetes API for the adapter under test: the fabric8 mock server in CRUD mode over HTTPS (pods, watches,
 * the auth configmap), plus a TokenReview that knows one token, whose user is in {@code system:masters} so that
 * no SubjectAccessReview is needed. wrk and hey cannot present a client certificate; a bearer token reviewed once
 * and then cached for 10 s is the cheapest real caller path they can take.
 */
final class Cluster implements AutoCloseable {

    static final String NAMESPACE = "bench";
    static final String TOKEN = "bench-token";
    static final String ISVC_LABEL = "serving.kserve.io/inferenceservice";

    final KubernetesMockServer server;
    final KubernetesClient client;
    /**
     * What a pod gives the adapter to find its API server: the service host and port in the environment and the
     * service account's token in a file (fabric8's in-cluster configuration, the one a Deployment uses; a
     * kubeconfig would make the client parse YAML at start-up, which no pod does). See {@link #inPodSettings}.
     */
    final Map<String, String> inPod;
    private final Path serviceAccountToken;

    Cluster(Path dir) throws IOException {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), true);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews")
                .andReply(201, request -> tokenReview(request.getUtf8Body())).always();
        client = server.createClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                .build()).create();
        // As kube-apiserver publishes it: the adapter reads and watches it at start-up, like in a cluster.
        String ca = Files.readString(Certificates.ca(dir));
        client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withNamespace("kube-system").withName("extension-apiserver-authentication").endMetadata()
                .addToData("client-ca-file", ca).addToData("requestheader-client-ca-file", ca)
                .addToData("requestheader-allowed-names", "[\"front-proxy-client\"]")
                .addToData("requestheader-username-headers", "[\"X-Remote-User\"]")
                .addToData("requestheader-group-headers", "[\"X-Remote-Group\"]")
                .addToData("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]")
                .build()).create();
        serviceAccountToken = dir.resolve("service-account-token");
        Files.writeString(serviceAccountToken, "adapter-token");
        URI api = URI.create(client.getConfiguration().getMasterUrl());
        inPod = Map.of("KUBERNETES_SERVICE_HOST", api.getHost(),
                "KUBERNETES_SERVICE_PORT", String.valueOf(api.getPort()));
    }

    /**
     * The rest of the in-cluster configuration: the token file instead of /var/run/secrets/..., no kubeconfig
     * looked for, and the mock's self-signed certificate trusted (a pod has the cluster's CA file instead).
     */
    Map<String, String> inPodSettings() {
        return Map.of("kubernetes.auth.serviceAccount.token", serviceAccountToken.toString(),
                "kubernetes.auth.tryKubeConfig", "false", "kubernetes.trust.certificates", "true",
                "kubernetes.namespace", NAMESPACE);
    }

    private static TokenReview tokenReview(String body) {
        TokenReview review = Serialization.unmarshal(body, TokenReview.class);
        boolean known = TOKEN.equals(review.getSpec().getToken());
        review.setStatus(new TokenReviewStatusBuilder().withAuthenticated(known)
                .withUser(known ? new UserInfoBuilder().withUsername("bench").withGroups("system:masters").build()
                        : null)
                .build());
        return review;
    }

    /** The address of pod number {@code i}: 127.0.0.1, …, 127.0.0.250, 127.0.1.1, …; all of 127/8 is loopback. */
    static String ip(int i) {
        return "127.0." + (i / 250) + "." + (1 + i % 250);
    }

    /**
     * Creates Running, Ready KServe pods {@code name-0 … name-(count-1)} with addresses {@code ip(first + k)},
     * announcing {@code port} the way a serving runtime does ({@code prometheus.kserve.io/*}); in parallel, since
     * 10,000 one-by-one creates take minutes.
     */
    void readyPods(String isvc, int first, int count, int port) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Pod>> created = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                Pod pod = pod(isvc + "-" + k, isvc, ip(first + k), port);
                created.add(pool.submit(() -> create(pod)));
            }
            for (Future<Pod> f : created) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * On a starved machine the mock server sometimes closes a connection mid-request: try again, and take a 409
     * (the first try went through, its answer was lost) as done.
     */
    private Pod create(Pod pod) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.pods().inNamespace(NAMESPACE).resource(pod).create();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return pod;
                }
                if (attempt == 5) {
                    throw e;
                }
                Thread.sleep(200L * attempt);
            }
        }
    }

    static Pod pod(String name, String isvc, String ip, int port) {
        return new PodBuilder()
                .withNewMetadata().withNamespace(NAMESPACE).withName(name)
                .addToLabels(ISVC_LABEL, isvc).addToLabels("component", "predictor")
                .addToAnnotations("prometheus.kserve.io/port", String.valueOf(port))
                .addToAnnotations("prometheus.kserve.io/path", "/metrics")
                .endMetadata()
                .withNewSpec().addNewContainer().withName("kserve-container").withImage("model").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip)
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
