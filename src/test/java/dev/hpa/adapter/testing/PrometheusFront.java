package dev.hpa.adapter.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What stands between the adapter and a real engine in production: an HTTPS gateway that requires a client
 * certificate and a bearer token (as Mimir's, Thanos' or an OAuth proxy in front of Prometheus do), forwarding
 * {@code /api/v1/*} to a real Prometheus. Tests turn it into each way an engine fails: down, slow, an error status
 * with Prometheus' error JSON, garbage, an endless body.
 */
public final class PrometheusFront implements AutoCloseable {

    /** One request as the front received it. */
    public record Seen(String method, String path, MultiMap headers, String clientSubject) {}

    private final Vertx vertx = Vertx.vertx();
    private volatile HttpServerOptions options;
    private final HttpClient upstream;
    private final int upstreamPort;
    private final int port;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile HttpServer server;
    private volatile String expectedToken;
    private volatile Behaviour behaviour = Behaviour.FORWARD;
    private volatile int status;
    private volatile String body;

    private enum Behaviour { FORWARD, SLOW, ANSWER, ENDLESS }

    /**
     * @param certFile   the front's serving certificate (for localhost) and key
     * @param clientCa   the CA whose client certificates it accepts, and no others
     */
    public PrometheusFront(TestCertificates.PemFiles certFile, java.nio.file.Path clientCa, int upstreamPort,
            String token) {
        this.upstreamPort = upstreamPort;
        this.expectedToken = token;
        this.options = options(certFile, clientCa);
        this.upstream = vertx.createHttpClient();
        this.port = listen(0);
    }

    private static HttpServerOptions options(TestCertificates.PemFiles certFile, java.nio.file.Path clientCa) {
        // Read now, not at each handshake, so that a test can rewrite the files the adapter reads at the same paths.
        return new HttpServerOptions().setSsl(true).setHost("127.0.0.1")
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(read(certFile.certFile()))
                        .setKeyValue(read(certFile.keyFile())))
                .setTrustOptions(new PemTrustOptions().addCertValue(read(clientCa)))
                .setClientAuth(ClientAuth.REQUIRED);
    }

    private static Buffer read(java.nio.file.Path file) {
        try {
            return Buffer.buffer(java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Restarts as an engine does after its certificate was rotated: serves {@code certFile}, accepts clients of
     * {@code clientCa} only, and closes every open connection, so each client's next query makes a new handshake.
     */
    public synchronized void restart(TestCertificates.PemFiles certFile, java.nio.file.Path clientCa)
            throws Exception {
        options = options(certFile, clientCa);
        goDown();
        listen(port);
    }

    private int listen(int port) {
        HttpServer next = vertx.createHttpServer(options).requestHandler(this::handle);
        try {
            server = next.listen(port).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the Prometheus front cannot listen on " + port, e);
        }
        return server.actualPort();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "https://localhost:" + port;
    }

    /** Every request so far, oldest first. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public void clearSeen() {
        seen.clear();
    }

    /** The token it accepts from now on. */
    public void acceptToken(String token) {
        expectedToken = token;
    }

    /** Forward to Prometheus again, listening if it was down. */
    public synchronized void behaveNormally() {
        behaviour = Behaviour.FORWARD;
        if (server == null) {
            listen(port);
        }
    }

    /** Stop listening: connections are refused, as for an engine that is down. */
    public synchronized void goDown() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            server = null;
        }
    }

    /** Read the request and never answer. */
    public void hang() {
        behaviour = Behaviour.SLOW;
    }

    /** Answer every query with this status and body (JSON). */
    public void answer(int status, String body) {
        this.status = status;
        this.body = body;
        behaviour = Behaviour.ANSWER;
    }

    /** Answer 200 and then send a body that never ends. */
    public void endless() {
        behaviour = Behaviour.ENDLESS;
    }

    private void handle(HttpServerRequest request) {
        String subject;
        try {
            subject = ((java.security.cert.X509Certificate) request.connection().peerCertificates().get(0))
                    .getSubjectX500Principal().getName();
        } catch (Exception e) {
            subject = null;
        }
        seen.add(new Seen(request.method().name(), request.path(), MultiMap.caseInsensitiveMultiMap()
                .addAll(request.headers()), subject));
        if (!("Bearer " + expectedToken).equals(request.getHeader("Authorization"))) {
            request.response().setStatusCode(401).putHeader("Content-Type", "text/plain").end("Unauthorized\n");
            return;
        }
        switch (behaviour) {
            case SLOW -> { }
            case ANSWER -> request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(body);
            case ENDLESS -> endless(request);
            case FORWARD -> forward(request);
        }
    }

    private void endless(HttpServerRequest request) {
        var response = request.response().setChunked(true).putHeader("Content-Type", "application/json");
        response.write("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
        Buffer chunk = Buffer.buffer("{\"metric\":{},\"value\":[1,\"1\"]},".repeat(256));
        long timer = vertx.setPeriodic(1, id -> {
            if (!response.closed() && !response.writeQueueFull()) {
                response.write(chunk);
            }
        });
        response.closeHandler(closed -> vertx.cancelTimer(timer));
        request.connection().closeHandler(closed -> vertx.cancelTimer(timer));
    }

    private void forward(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            RequestOptions to = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
                    .setPort(upstreamPort).setURI(request.uri());
            String type = request.getHeader("Content-Type");
            if (type != null) {
                to.putHeader("Content-Type", type);
            }
            upstream.request(to).compose(r -> r.send(body)).compose(r -> r.body().map(b -> {
                request.response().setStatusCode(r.statusCode())
                        .putHeader("Content-Type", r.getHeader("Content-Type")).end(b);
                return b;
            })).onFailure(e -> request.response().setStatusCode(502).end(e.toString()));
        });
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
