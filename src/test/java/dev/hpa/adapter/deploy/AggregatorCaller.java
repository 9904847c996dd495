package dev.hpa.adapter.deploy;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;

/**
 * kube-apiserver's aggregator passing the HPA's requests on to the adapter's Service, the way its Go transport does:
 * HTTP/2 over TLS (ALPN), the serving certificate verified for the name dialled, the front-proxy client certificate
 * presented and the HPA's identity in X-Remote-User/X-Remote-Group; one long-lived connection at a time (Go keeps one
 * per backend address) carrying {@code inFlight} requests at once, each answered request followed by the next after
 * {@link #THINK_TIME_MILLIS} ms (so that the fake pods and the replicas, on the same two cores, keep their scrape timing).
 * <p>
 * After a GOAWAY, requests go to a new connection, and a request on a stream above the GOAWAY's last stream id (one
 * the server never processed) is sent again, as Go retries it; no other request is ever repeated, so every failure
 * (no connection, a reset, any answer the check refuses) counts.
 */
final class AggregatorCaller implements AutoCloseable {

    static final String HPA_USER = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    private static final int MAX_ATTEMPTS = 3;
    static final long THINK_TIME_MILLIS = 20;
    private static final List<String> HPA_GROUPS = List.of("system:serviceaccounts",
            "system:serviceaccounts:kube-system", "system:authenticated");

    /** Says what is wrong with an answer, or null when it is right. */
    interface Check {
        String problem(String path, int status, String body);
    }

    record Failure(String path, String what) {
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final List<String> paths;
    private final Check check;
    private final Map<HttpConnection, Integer> goAwayLastStream = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicInteger next = new AtomicInteger();
    private final List<Failure> failures = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private CountDownLatch slots;

    AggregatorCaller(Vertx vertx, Issued frontProxyClient, KeyStore trustedServingCa, String host, int port,
            List<String> paths, Check check) throws Exception {
        this.vertx = vertx;
        this.paths = paths;
        this.check = check;
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(frontProxyClient.keyStore(), TestCertificates.PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustedServingCa);
        HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true)
                .setSsl(true).setVerifyHost(true).setDefaultHost(host).setDefaultPort(port)
                .setKeyCertOptions(KeyCertOptions.wrap((X509KeyManager) keys.getKeyManagers()[0]))
                .setTrustOptions(TrustOptions.wrap(trust.getTrustManagers()[0]))
                .setHttp2MaxPoolSize(1).setConnectTimeout(2000).setIdleTimeout(0);
        client = vertx.httpClientBuilder().with(options).withConnectHandler(connection -> {
            connections.incrementAndGet();
            connection.goAwayHandler(goAway -> goAwayLastStream.put(connection, goAway.getLastStreamId()));
        }).build();
    }

    AggregatorCaller start(int inFlight) {
        slots = new CountDownLatch(inFlight);
        for (int i = 0; i < inFlight; i++) {
            nextRequest();
        }
        return this;
    }

    /** Stops sending and waits for the requests in flight. */
    void stop() throws InterruptedException {
        if (stopping || slots == null) {
            return;
        }
        stopping = true;
        if (!slots.await(15, TimeUnit.SECONDS)) {
            failures.add(new Failure("(all)", "requests still in flight 15 s after the caller stopped"));
        }
    }

    long answered() {
        return answered.get();
    }

    /** Requests sent again because a GOAWAY showed the server had not processed them. */
    long resent() {
        return resent.get();
    }

    int connections() {
        return connections.get();
    }

    int goAways() {
        return goAwayLastStream.size();
    }

    List<Failure> failures() {
        return failures;
    }

    @Override
    public void close() {
        client.close();
    }

    private void nextRequest() {
        if (stopping) {
            slots.countDown();
            return;
        }
        send(paths.get(Math.floorMod(next.getAndIncrement(), paths.size())), 1);
    }

    private void send(String path, int attempt) {
        client.request(HttpMethod.GET, path).onComplete(opened -> {
            if (opened.failed()) {
                fail(path, "no connection: " + opened.cause());
                return;
            }
            HttpClientRequest request = opened.result();
            request.putHeader("Accept", "application/json").putHeader("X-Remote-User", HPA_USER)
                    .putHeader("X-Remote-Group", HPA_GROUPS);
            request.send().compose(response -> response.body()
                    .map(body -> check.problem(path, response.statusCode(), body.toString()))).onComplete(done -> {
                if (done.succeeded()) {
                    answered.incrementAndGet();
                    if (done.result() != null) {
                        failures.add(new Failure(path, done.result()));
                    }
                    vertx.setTimer(THINK_TIME_MILLIS, id -> nextRequest());
                } else if (unprocessed(request) && attempt < MAX_ATTEMPTS) {
                    resent.incrementAndGet();
                    send(path, attempt + 1);
                } else {
                    fail(path, "stream " + request.streamId() + ": " + done.cause());
                }
            });
        });
    }

    private void fail(String path, String what) {
        failures.add(new Failure(path, what));
        nextRequest();
    }

    /** The server sent a GOAWAY on this request's connection that leaves the request's stream out. */
    private boolean unprocessed(HttpClientRequest request) {
        Integer last = goAwayLastStream.get(request.connection());
        return last != null && (request.streamId() < 0 || request.streamId() > last);
    }
}
