package dev.hpa.adapter.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes API that misbehaves on demand: the fabric8 mock server (CRUD), reached by the adapter only through
 * a {@link TcpProxy} that can drop its connections or cut it off, and a dispatcher that can answer every watch with
 * {@code 410 Gone} (a resourceVersion too old, as after an etcd compaction) and fail TokenReview and
 * SubjectAccessReview with a 500. A watch that resumes after changes it missed is always answered 410, since the
 * mock keeps no history to replay: a change made while the adapter could not see the API is never silently lost. Tests change the cluster through {@link #client()}, which goes to the mock
 * directly, so the cluster moves on while the adapter cannot see it.
 */
public class FlakyKubernetesApi implements QuarkusTestResourceLifecycleManager {

    private static KubernetesMockServer server;
    private static NamespacedKubernetesClient client;
    private static TcpProxy proxy;
    private static volatile boolean watchesGone;
    private static volatile boolean reviewsFailing;
    private static final AtomicInteger GONE_SENT = new AtomicInteger();
    private static final AtomicInteger REVIEWS_FAILED = new AtomicInteger();
    private static final AtomicInteger POD_WATCHES = new AtomicInteger();

    @Override
    public Map<String, String> start() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new Dispatcher(responses), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        client.configMaps().inNamespace("kube-system").resource(TestIdentities.authenticationConfigMap()).create();
        proxy = new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()));
        // what quarkus-test-kubernetes-client sets for its own mock server, aimed at the proxy
        return Map.of("quarkus.kubernetes-client.api-server-url", "https://localhost:" + proxy.port(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "kubernetes.trust.certificates", "true",
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false",
                "kubernetes.namespace", "test",
                "http2.disable", "true");
    }

    @Override
    public void stop() {
        proxy.close();
        client.close();
        server.destroy();
    }

    /** The cluster as it is, not through the proxy. */
    public static NamespacedKubernetesClient client() {
        return client;
    }

    /** The adapter's only way to the API server. */
    public static TcpProxy proxy() {
        return proxy;
    }

    /** Every watch request, from now on, is answered 410 Gone; lists still work. */
    public static void watchesGone(boolean gone) {
        watchesGone = gone;
    }

    /** Pod watches the adapter has asked for, so far. */
    public static int podWatches() {
        return POD_WATCHES.get();
    }

    public static int goneSent() {
        return GONE_SENT.get();
    }

    /** TokenReview and SubjectAccessReview answer 500 while set; everything else works. */
    public static void reviewsFailing(boolean failing) {
        reviewsFailing = failing;
    }

    public static int reviewsFailed() {
        return REVIEWS_FAILED.get();
    }

    /** The mock's CRUD dispatcher, with the faults on top and the cluster's reviews of {@link ClusterReviews}. */
    private static final class Dispatcher extends KubernetesMixedDispatcher {

        private static final Pattern RESOURCE_VERSION = Pattern.compile("[?&]resourceVersion=(\\d+)");
        private static final Pattern BODY_RESOURCE_VERSION = Pattern.compile("\"resourceVersion\":\"(\\d+)\"");

        Dispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
            super(responses);
        }

        /** The newest resourceVersion the mock has handed out. */
        private final AtomicLong latest = new AtomicLong();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            if (path.contains("watch=true")) {
                if (path.startsWith("/api/v1/pods?")) {
                    POD_WATCHES.incrementAndGet();
                }
                Matcher since = RESOURCE_VERSION.matcher(path);
                // The mock cannot replay the events a watch missed: it answers as an API server whose history
                // was compacted, and the informer must relist. Real servers replay recent history instead.
                boolean missedEvents = since.find() && Long.parseLong(since.group(1)) < latest.get();
                if (watchesGone || missedEvents) {
                    GONE_SENT.incrementAndGet();
                    return gone(since.find(0) ? since.group(1) : "0");
                }
            }
            if (path.startsWith("/apis/authentication.k8s.io/v1/tokenreviews")
                    || path.startsWith("/apis/authorization.k8s.io/v1/subjectaccessreviews")) {
                if (reviewsFailing) {
                    REVIEWS_FAILED.incrementAndGet();
                    return status(500, "InternalError", "Internal error occurred: etcdserver: request timed out");
                }
                Object review = path.contains("tokenreviews") ? ClusterReviews.tokenReview(request.getUtf8Body())
                        : ClusterReviews.accessReview(request.getUtf8Body());
                return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
                        .setBody(Serialization.asJson(review));
            }
            MockResponse response = super.dispatch(request);
            if (response.getBody() != null) {
                Matcher versions = BODY_RESOURCE_VERSION.matcher(new String(response.getBody().getBytes(),
                        StandardCharsets.UTF_8));
                while (versions.find()) {
                    latest.accumulateAndGet(Long.parseLong(versions.group(1)), Math::max);
                }
            }
            return response;
        }

        /** How kube-apiserver refuses a watch from a compacted resourceVersion: an ERROR event, code 410. */
        private static MockResponse gone(String resourceVersion) {
            String event = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                    + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: "
                    + resourceVersion + "\",\"reason\":\"Expired\",\"code\":410}}";
            return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                @Override
                public void onOpen(WebSocket webSocket, io.fabric8.mockwebserver.http.Response response) {
                    webSocket.send(event);
                    webSocket.close(1000, "");
                }
            });
        }

        private static MockResponse status(int code, String reason, String message) {
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                    .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                            + "\"message\":\"" + message + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
        }
    }
}
