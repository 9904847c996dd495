package dev.hpa.adapter.playground;

import dev.hpa.adapter.testing.Futures;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyEncoding;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestIdentities;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A kube-apiserver on 127.0.0.1 for the playground, in two layers, as the real one is:
 * <ul>
 * <li><b>storage</b>: the fabric8 mock server in CRUD mode (its own HTTPS, self-signed), where pods, configmaps
 * and the InferenceService live and are watched; it also answers SubjectAccessReviews with a fixed policy;</li>
 * <li><b>front</b>: HTTPS with a certificate from the playground CA that requires a client certificate from the
 * cluster CA (user = CN, groups = O), and acts as the aggregator: {@code /apis/custom.metrics.k8s.io/...} goes to the
 * adapter with the front-proxy client certificate and {@code X-Remote-User}/{@code X-Remote-Group}; everything else
 * goes to the storage.</li>
 * </ul>
 * The adapter talks to the storage directly (its informers watch over WebSockets, which the front does not relay);
 * kubectl and the HPA loop talk to the front.
 */
public final class EmbeddedApiServer implements AutoCloseable {

    public static final String HPA_USER = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    private static final String AGGREGATED = "/apis/custom.metrics.k8s.io/";
    private static final Set<String> HOP_HEADERS = Set.of("host", "authorization", "connection", "content-length",
            "transfer-encoding");

    private final MockWebServer storageServer = new MockWebServer();
    private final KubernetesMockServer storage;
    private final HttpServer front;
    private final HttpClient toStorage;
    private final HttpClient toAdapter;
    private final int adapterPort;

    /**
     * @param servingCa   issued the front's certificate and the adapter's; the front trusts the adapter through it
     * @param adapterPort the adapter's HTTPS port on localhost
     */
    public EmbeddedApiServer(Vertx vertx, Authority servingCa, int frontPort, int adapterPort) {
        Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING); // one INFO line per request otherwise
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        storage = new KubernetesMockServer(new Context(), storageServer, expectations,
                new KubernetesMixedDispatcher(expectations), true);
        storage.init(InetAddress.getLoopbackAddress(), 0);
        storage.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                .andReply(201, request -> accessReview(request.getUtf8Body())).always();
        storage.createClient().configMaps().inNamespace("kube-system")
                .resource(TestIdentities.authenticationConfigMap()).create();

        this.adapterPort = adapterPort;
        Issued serving = servingCa.issue(Leaf.server("localhost", "127.0.0.1"));
        front = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(frontPort).setSsl(true)
                .setKeyCertOptions(pem(serving))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(TestIdentities.CLIENT_CA.certificatePem())))
                .setClientAuth(ClientAuth.REQUIRED))
                .requestHandler(this::route);
        await(front.listen());
        toStorage = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(storageServer.getSelfSignedCertificate().trustOptions()));
        toAdapter = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setKeyCertOptions(pem(TestIdentities.FRONT_PROXY_CLIENT))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(servingCa.certificatePem()))));
    }

    /** A client of the storage with full access, for the playground's own controllers. */
    public NamespacedKubernetesClient client() {
        return storage.createClient();
    }

    /**
     * A Deployment's scale subresource, as kube-apiserver answers it (the mock's storage keeps no Deployments):
     * what the adapter's explain answer reads, as the HPA controller does.
     */
    public void serveScale(String namespace, String deployment, Supplier<Scale> scale) {
        storage.expect().get()
                .withPath("/apis/apps/v1/namespaces/" + namespace + "/deployments/" + deployment + "/scale")
                .andReply(200, request -> scale.get()).always();
    }

    /** The front's URL: kube-apiserver as kubectl and the HPA see it. */
    public String url() {
        return "https://localhost:" + front.actualPort();
    }

    /** The storage's URL; its self-signed certificate is {@link #storageCertificatePath()}. */
    public String storageUrl() {
        return "https://localhost:" + storageServer.getPort();
    }

    public String storageCertificatePath() {
        return storageServer.getSelfSignedCertificate().certificatePath();
    }

    // ---- front: authentication and the aggregator's proxy

    private void route(HttpServerRequest request) {
        List<String> identity;
        try {
            identity = identity((X509Certificate) request.connection().sslSession().getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException | InvalidNameException | RuntimeException e) {
            request.response().setStatusCode(401).end("Unauthorized: " + e.getMessage() + "\n");
            return;
        }
        request.body().onSuccess(body -> {
            boolean aggregated = request.path().startsWith(AGGREGATED);
            RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("localhost")
                    .setPort(aggregated ? adapterPort : storageServer.getPort()).setURI(request.uri());
            request.headers().forEach(header -> {
                String name = header.getKey().toLowerCase();
                if (!HOP_HEADERS.contains(name) && !name.startsWith("x-remote-")) {
                    options.addHeader(header.getKey(), header.getValue());
                }
            });
            if (aggregated) {
                // what kube-aggregator's proxy handler adds: the authenticated user, its groups
                options.addHeader("X-Remote-User", identity.get(0));
                identity.stream().skip(1).forEach(group -> options.addHeader("X-Remote-Group", group));
            }
            (aggregated ? toAdapter : toStorage).request(options)
                    .compose(outgoing -> outgoing.send(body))
                    .compose(response -> response.body().map(answer -> {
                        MultiMap headers = request.response().headers();
                        response.headers().forEach(h -> {
                            if (!HOP_HEADERS.contains(h.getKey().toLowerCase())) {
                                headers.add(h.getKey(), h.getValue());
                            }
                        });
                        request.response().setStatusCode(response.statusCode()).end(answer);
                        return answer;
                    }))
                    .onFailure(failure -> request.response().setStatusCode(503)
                            .end((aggregated ? "service unavailable: " : "storage: ") + failure.getMessage() + "\n"));
        });
    }

    /** User (the CN) first, then the groups (every O) and system:authenticated, as x509 authentication gives them. */
    private static List<String> identity(X509Certificate certificate) throws InvalidNameException {
        List<String> identity = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
            if (rdn.getType().equalsIgnoreCase("CN")) {
                identity.add(0, rdn.getValue().toString());
            } else if (rdn.getType().equalsIgnoreCase("O")) {
                groups.add(rdn.getValue().toString());
            }
        }
        identity.addAll(groups);
        identity.add("system:authenticated");
        return identity;
    }

    // ---- storage: authorization

    /**
     * The playground's RBAC: system:masters may do anything, the HPA controller may get custom metrics (the built-in
     * {@code system:controller:horizontal-pod-autoscaler} role), everyone else nothing.
     */
    private static SubjectAccessReview accessReview(String body) {
        SubjectAccessReview review = Serialization.unmarshal(body, SubjectAccessReview.class);
        SubjectAccessReviewSpec spec = review.getSpec();
        ResourceAttributes resource = spec.getResourceAttributes();
        boolean master = spec.getGroups() != null && spec.getGroups().contains("system:masters");
        boolean hpaReadingMetrics = HPA_USER.equals(spec.getUser()) && resource != null
                && "custom.metrics.k8s.io".equals(resource.getGroup()) && "get".equals(resource.getVerb());
        boolean allowed = master || hpaReadingMetrics;
        review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed)
                .withReason(allowed ? "playground RBAC: allowed" : "").build());
        return review;
    }

    @Override
    public void close() {
        await(front.close());
        await(toAdapter.close());
        await(toStorage.close());
        storage.destroy();
    }

    private static PemKeyCertOptions pem(Issued issued) {
        return new PemKeyCertOptions().addCertValue(Buffer.buffer(issued.chainPem()))
                .addKeyValue(Buffer.buffer(issued.privateKeyPem(KeyEncoding.PKCS8)));
    }

    private static <T> T await(Future<T> future) {
        return Futures.await(future, "embedded API server");
    }
}
