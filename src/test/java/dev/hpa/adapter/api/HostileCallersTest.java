package dev.hpa.adapter.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.testing.Api;
import dev.hpa.adapter.testing.ClusterReviews;
import dev.hpa.adapter.testing.RawHttps;
import dev.hpa.adapter.testing.RawHttps.Reply;
import dev.hpa.adapter.testing.ServingCertificateResource;
import dev.hpa.adapter.testing.TestIdentities;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Callers that are broken or hostile, over real TLS sockets against the running adapter: fuzzed paths and
 * queries, every method on every path, request-smuggling framing, absurd lengths, garbage, half-open handshakes
 * and slow-loris connections. Whatever they send: no 5xx, a metav1.Status for every 4xx under /apis/, and a
 * healthy caller beside them still answered at once. Requests come both as kube-apiserver's front proxy for an
 * administrator (so they reach the API's own parsing) and anonymously (so they meet authorization first).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = TestIdentities.class)
@WithTestResource(ServingCertificateResource.class)
class HostileCallersTest {

    static final String V2 = "/apis/custom.metrics.k8s.io/v1beta2";
    static final String METRIC = V2 + "/namespaces/a/pods/*/concurrency";
    static final String ADMIN = "X-Remote-User: fuzz-admin\r\nX-Remote-Group: system:masters\r\n";

    @KubernetesTestServer
    KubernetesServer k8s;

    @BeforeEach
    void cluster() {
        ClusterReviews.install(k8s);
    }

    static SSLContext frontProxy() {
        return TestIdentities.FRONT_PROXY_CLIENT.clientContext(ServingCertificateResource.CA);
    }

    static SSLContext anonymous() {
        return ServingCertificateResource.CA.trustingContext();
    }

    /** Paths and queries no client library would send. */
    static List<String> fuzzedTargets() {
        String sixtyKiB = "k=v,".repeat(15_000);
        return List.of(
                // 60 KiB selectors, under the request-line limit: the API's own parsers must cope
                METRIC + "?labelSelector=" + sixtyKiB.substring(0, sixtyKiB.length() - 1),
                METRIC + "?labelSelector=app+in+(" + "x,".repeat(30_000) + "y)",
                METRIC + "?labelSelector=" + "(".repeat(60_000),
                METRIC + "?labelSelector=" + "!".repeat(60_000),
                METRIC + "?metricLabelSelector=source%3D" + "x".repeat(60_000),
                V2 + "/namespaces/" + "n".repeat(60_000) + "/pods/*/concurrency",
                V2 + "/namespaces/a/pods/" + "p".repeat(60_000) + "/concurrency",
                "/apis/metrics.k8s.io/v1beta1/namespaces/a/pods?fieldSelector=metadata.name%3D" + "x".repeat(60_000),
                "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=" + "a".repeat(64) + "=" + "b".repeat(60_000),
                // bad percent-encoding, in the path and in the query
                V2 + "/namespaces/%/pods/*/concurrency",
                V2 + "/namespaces/%zz/pods/*/concurrency",
                V2 + "/namespaces/a/pods/%2/concurrency",
                V2 + "/namespaces/%00/pods/*/concurrency",
                V2 + "/namespaces/a%0d%0aX-Injected:%20yes/pods/*/concurrency",
                METRIC + "?labelSelector=%",
                METRIC + "?labelSelector=a%3Db%ZZ",
                METRIC + "?%=%&&=&labelSelector",
                METRIC + "?labelSelector=a%3Db&labelSelector=c%3Dd",
                // not UTF-8: encoded, and raw bytes on the wire
                V2 + "/namespaces/%C3%28/pods/*/concurrency",
                V2 + "/namespaces/%FF%FE/pods/*/concurrency",
                METRIC + "?labelSelector=%C0%AF%E0%80%AF",
                V2 + "/namespaces/\u00ff\u00fe\u00c3/pods/*/concurrency",
                METRIC + "?labelSelector=app%3D\u00ff\u00c3",
                // dot segments
                V2 + "/../../../healthz",
                V2 + "/namespaces/../../v1beta1",
                V2 + "/namespaces/a/pods/../../../../../../etc/passwd",
                "/apis/custom.metrics.k8s.io/%2e%2e/%2e%2e/livez",
                V2 + "/namespaces/a/pods/%2e%2e/concurrency",
                V2 + "/namespaces/a/pods/./concurrency",
                V2 + "/namespaces/a/pods/*/..",
                // unknown groups, versions, kinds and shapes
                "/apis/unknown.example.com/v1",
                "/apis/custom.metrics.k8s.io/v9",
                "/apis/custom.metrics.k8s.io/v1beta2/namespaces/a/deployments.apps/x/concurrency",
                V2 + "/namespaces/a/pods",
                V2 + "/namespaces/a",
                V2 + "/namespaces",
                METRIC + "/extra/segments",
                V2 + "//namespaces//a//pods//*//concurrency",
                V2 + "/namespaces/a/inferenceservices.serving.kserve.io/*/concurrency",
                V2 + "/namespaces/a/metrics/*",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/a/x",
                "/apis/metrics.k8s.io/v1beta1/nodes/x/y",
                "/apis/metrics.k8s.io/v2",
                METRIC + "?watch=true&resourceVersion=0",
                "/apis", "/apis/", "/api", "/api/v1/pods", "/openapi/v2", "/openapi/v3", "/", "/version",
                "*", "https://localhost" + V2);
    }

    @Test
    void fuzzedPathsAndQueriesGetStatusesNeverServerErrors() {
        Violations violations = new Violations();
        try (var admin = new RawHttps.Conversation(frontProxy(), Api.httpsPort());
                var anonymous = new RawHttps.Conversation(anonymous(), Api.httpsPort())) {
            for (String target : fuzzedTargets()) {
                Reply asAdmin = admin.ask(RawHttps.request("GET", target, ADMIN), false);
                Reply asAnonymous = anonymous.ask(RawHttps.get(target), false);
                if (isUri(target)) {
                    violations.check(target, asAdmin, true);
                    violations.check(target, asAnonymous, true);
                } else {
                    // Quarkus checks the target with java.net.URI before routing and answers a bare 400 (README
                    // "Limits and shutdown"); kube-apiserver's parser refuses such targets before it would proxy.
                    for (Reply reply : List.of(asAdmin, asAnonymous)) {
                        if (reply.code() != 400) {
                            violations.add(target, "not a URI, expected 400: " + reply);
                        }
                    }
                }
            }
        }
        violations.assertNone();
    }

    static boolean isUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    @Test
    void everyMethodOnEveryPath() {
        List<String> methods = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                "CONNECT", "PROPFIND", "BREW");
        List<String> paths = List.of(V2, METRIC, V2 + "/namespaces/a/inferenceservices.serving.kserve.io/i/rps",
                V2 + "/namespaces/a/metrics/rps", "/apis/custom.metrics.k8s.io",
                "/apis/custom.metrics.k8s.io/v1beta1", "/apis/metrics.k8s.io/v1beta1/namespaces/a/pods",
                "/apis/metrics.k8s.io/v1beta1/nodes", "/healthz", "/livez", "/readyz", "/openapi/v2", "/apis", "/",
                "/nope");
        Violations violations = new Violations();
        try (var admin = new RawHttps.Conversation(frontProxy(), Api.httpsPort())) {
            for (String method : methods) {
                for (String path : paths) {
                    String body = method.startsWith("P") ? "Content-Type: application/json\r\nContent-Length: 2\r\n" : "";
                    Reply reply = admin.ask(RawHttps.request(method, path, ADMIN + body) + (body.isEmpty() ? "" : "{}"),
                            method.equals("HEAD"));
                    violations.check(method + " " + path, reply, true);
                }
            }
        }
        violations.assertNone();
    }

    @Test
    void requestSmugglingShapesAreRefusedOrFramedByTransferEncoding() {
        String smuggled = RawHttps.request("GET", V2 + "/namespaces/smuggled/pods/*/concurrency", "");
        List<String> shapes = List.of(
                // CL.TE: a front that trusted Content-Length would see one request, a back end using TE two
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                // TE.CL
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n" + smuggled,
                // obfuscated Transfer-Encoding
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + smuggled,
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Content-Length: 4\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled,
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + smuggled,
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Transfer-Encoding:\tchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + smuggled,
                // two different lengths
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Content-Length: 0\r\nContent-Length: 44\r\n\r\n" + smuggled,
                "GET " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN + "Content-Length: 0, 44\r\n\r\n" + smuggled,
                // a chunk size that is not hex, and one that overflows
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n" + smuggled,
                "POST " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN
                        + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n" + smuggled,
                // obs-fold, bare LF, NUL in a header
                "GET " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN + "X-Folded: a\r\n b\r\n\r\n" + smuggled,
                "GET " + V2 + " HTTP/1.1\nHost: localhost\n" + ADMIN.replace("\r\n", "\n") + "\n" + smuggled,
                "GET " + V2 + " HTTP/1.1\r\nHost: localhost\r\n" + ADMIN + "X-Nul: a\u0000b\r\n\r\n" + smuggled);
        Violations violations = new Violations();
        for (String shape : shapes) {
            try (RawHttps http = RawHttps.connect(frontProxy(), Api.httpsPort())) {
                List<Reply> replies = http.send(shape).readAll();
                String what = shape.substring(0, shape.indexOf("\r\n\r\n") + 4).replace(ADMIN, "");
                // A body that cannot be framed may cost its connection without an answer; anything else is answered.
                if (replies.isEmpty() && !shape.contains("\r\n\r\nzz") && !shape.contains("\r\n\r\nffff")) {
                    violations.add(what, "no answer at all");
                }
                for (Reply reply : replies) {
                    violations.check(what, reply, true);
                }
                // The smuggled request comes unauthenticated: it may only ever be refused, never served.
                if (replies.size() > 1 && replies.get(1).code() == 200) {
                    violations.add(what, "the smuggled request was served: " + replies.get(1));
                }
            }
        }
        violations.assertNone();
    }

    @Test
    void absurdContentLengthsAreRefusedAtOnce() {
        List<String> requests = List.of(
                RawHttps.request("GET", V2, ADMIN + "Content-Length: 99999999999999999999999\r\n"),
                RawHttps.request("GET", V2, ADMIN + "Content-Length: -1\r\n"),
                RawHttps.request("GET", V2, ADMIN + "Content-Length: 1e3\r\n"),
                RawHttps.request("POST", V2, ADMIN + "Content-Length: 1099511627776\r\n") + "only a few bytes",
                RawHttps.request("POST", METRIC, ADMIN + "Content-Length: 10000000\r\n") + "only a few bytes",
                RawHttps.request("PUT", "/healthz", "Content-Length: 9223372036854775807\r\n") + "x");
        Violations violations = new Violations();
        for (String request : requests) {
            try (var http = new RawHttps.Conversation(frontProxy(), Api.httpsPort())) {
                String what = request.substring(0, request.indexOf("\r\n\r\n")).replace(ADMIN, "");
                violations.check(what, http.ask(request, false), true);
            }
        }
        violations.assertNone();
    }

    @Test
    void overlongRequestLinesAndHeadersAreRefusedAndTheConnectionClosed() {
        Violations violations = new Violations();
        List<String> requests = List.of(
                RawHttps.request("GET", METRIC + "?labelSelector=" + "a".repeat(70 * 1024), ADMIN),
                RawHttps.request("GET", V2, ADMIN + "X-Big: " + "b".repeat(70 * 1024) + "\r\n"),
                RawHttps.request("GET", V2, ADMIN + "X-Many: 1234567890\r\n".repeat(8_000)));
        for (String request : requests) {
            try (RawHttps http = RawHttps.connect(frontProxy(), Api.httpsPort())) {
                Reply reply = http.send(request).read();
                String what = request.substring(0, 60) + "… (" + request.length() + " bytes)";
                violations.check(what, reply, false);
                if (reply.code() < 400) {
                    violations.add(what, "was not refused: " + reply);
                }
                if (!http.closedWithin(2_000)) {
                    violations.add(what, "the connection was kept open after refusing a request it could not read");
                }
            }
        }
        violations.assertNone();
    }

    @Test
    void garbageInsteadOfHttpIsRefusedOrDropped() throws Exception {
        byte[] random = new byte[4096];
        new Random(13).nextBytes(random);
        List<byte[]> garbage = List.of(
                random,
                "HELLO\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                ("GET " + V2 + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII),
                new byte[8192]);
        Violations violations = new Violations();
        int n = 0;
        for (byte[] bytes : garbage) {
            String what = "garbage #" + n++;
            try (RawHttps http = RawHttps.connect(frontProxy(), Api.httpsPort())) {
                for (Reply reply : http.send(bytes).readAll()) {
                    violations.check(what, reply, false);
                }
            }
        }
        // A protocol other than HTTP/1.0 and 1.1 on the request line: Vert.x answers 501 Not Implemented and closes,
        // before any handler runs (README "Limits and shutdown"). The one 5xx a caller can provoke, and its own.
        List<String> otherProtocols = List.of("GET " + V2 + " HTTP/9.9\r\nHost: localhost\r\n" + ADMIN + "\r\n",
                "GET " + V2 + " FTP/1.0\r\n\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000");
        for (String request : otherProtocols) {
            try (RawHttps http = RawHttps.connect(frontProxy(), Api.httpsPort())) {
                Reply reply = http.send(request).read();
                if (reply.code() != 501 || !http.closedWithin(2_000)) {
                    violations.add(request.substring(0, 30), "expected 501 and the connection closed: " + reply);
                }
            }
        }
        // and plain-text HTTP to the TLS port: no TLS, no answer, nothing broken
        try (Socket plain = new Socket("localhost", Api.httpsPort())) {
            plain.setSoTimeout(5_000);
            plain.getOutputStream().write(RawHttps.get(V2).getBytes(StandardCharsets.US_ASCII));
            plain.getInputStream().readAllBytes();
        } catch (IOException closed) {
            // refused as it should be
        }
        violations.assertNone();
        healthyCaller().assertAnswered(5);
    }

    @Test
    void halfOpenTlsHandshakesAreDroppedAndCostAHealthyCallerNothing() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("localhost", Api.httpsPort()), 5_000);
                if (i % 2 == 0) {
                    // a TLS record header promising a 512-byte ClientHello, and 10 bytes of it
                    socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc,
                            0x03, 0x03, 0x11, 0x22, 0x33, 0x44});
                }
                stalled.add(socket);
            }
            healthyCaller().assertAnswered(20);
            // quarkus.tls.adapter.handshake-timeout is 3 s in tests: every stalled handshake must be cut by then
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            for (Socket socket : stalled) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                assertTrue(RawHttps.closedWithin(socket, (int) left),
                        "a half-open TLS handshake was still open 8 s later (handshake timeout 3 s)");
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void hundredsOfSlowLorisConnectionsCostAHealthyCallerNothing() throws Exception {
        int connections = 300;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<SSLSocket> loris = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean trickle = new AtomicBoolean(true);
        try {
            List<Future<?>> opened = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                opened.add(pool.submit(() -> {
                    SSLSocket socket = handshaken(anonymous());
                    write(socket, "GET " + METRIC + " HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
                    loris.add(socket);
                }));
            }
            for (Future<?> f : opened) {
                f.get(60, TimeUnit.SECONDS);
            }
            Thread dribbler = new Thread(() -> {
                while (trickle.get()) {
                    synchronized (loris) {
                        loris.forEach(socket -> write(socket, "x"));
                    }
                    sleep(500);
                }
            }, "slow-loris");
            dribbler.start();
            HealthyCaller caller = healthyCaller();
            caller.assertAnswered(20);
            trickle.set(false);
            dribbler.join();
            assertEquals(connections, loris.size(), "every slow-loris connection was accepted");
        } finally {
            trickle.set(false);
            pool.shutdownNow();
            synchronized (loris) {
                loris.forEach(RawSockets::close);
            }
        }
    }

    /** Requests as kube-apiserver sends them (HTTP/2, front-proxy certificate), each timed. */
    static HealthyCaller healthyCaller() {
        return new HealthyCaller(HttpClient.newBuilder().sslContext(frontProxy())
                .connectTimeout(Duration.ofSeconds(5)).build());
    }

    record HealthyCaller(HttpClient http) {

        /** {@code count} discovery requests, alternately on the kept connection and a new client, all fast. */
        void assertAnswered(int count) throws Exception {
            long slowest = 0;
            for (int i = 0; i < count; i++) {
                HttpClient client = i % 2 == 0 ? http : HttpClient.newBuilder().sslContext(frontProxy()).build();
                HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + Api.httpsPort() + V2))
                        .header("X-Remote-User", "hpa").header("X-Remote-Group", "system:masters")
                        .timeout(Duration.ofSeconds(5)).build();
                long started = System.nanoTime();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                slowest = Math.max(slowest, System.nanoTime() - started);
                assertEquals(200, response.statusCode(), response.body());
            }
            // Generous for a shared 2-core machine: what matters is that nobody waits behind the hostile callers.
            assertTrue(slowest < TimeUnit.SECONDS.toNanos(2),
                    "a healthy caller waited " + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms");
        }
    }

    static SSLSocket handshaken(SSLContext context) {
        try {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", Api.httpsPort());
            var parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException closedByServer) {
            // a slow-loris connection the server gave up on: fine
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final class RawSockets {
        static void close(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Everything wrong with the answers of one test, reported together. */
    static final class Violations {
        private final List<String> found = new ArrayList<>();

        void add(String request, String problem) {
            found.add(shorten(request) + ": " + problem);
        }

        /**
         * No 5xx, and a 4xx to a request under /apis/ is a metav1.Status with the same code. {@code mustAnswer}:
         * a request the server can parse must get an answer, not a silent close.
         */
        void check(String request, Reply reply, boolean mustAnswer) {
            if (reply.code() == Reply.NO_ANSWER) {
                if (mustAnswer) {
                    add(request, "no answer");
                }
                return;
            }
            if (reply.code() >= 500) {
                add(request, "server error " + reply);
            }
            String path = request.substring(request.indexOf(' ') + 1);
            boolean underApis = path.startsWith("/apis/") || request.startsWith("/apis/");
            // Refused by the HTTP decoder, before the adapter sees it: no Status can be written (README "Limits and
            // shutdown"); kube-apiserver's own parser refuses these shapes before it would proxy them.
            if (reply.code() >= 400 && underApis && mustAnswer && !reply.refusedByDecoder()) {
                String type = reply.header("content-type");
                String body = reply.text();
                boolean head = request.startsWith("HEAD ");
                if (type == null || !type.startsWith("application/json")
                        || !head && (!body.contains("\"kind\":\"Status\"") || !body.contains("\"code\":" + reply.code()))) {
                    add(request, "a " + reply.code() + " that is not a Status: " + reply);
                }
            }
        }

        void assertNone() {
            assertTrue(found.isEmpty(), found.size() + " problem(s):\n" + String.join("\n", found));
        }

        private static String shorten(String text) {
            String oneLine = text.replace("\r\n", "\\r\\n");
            return oneLine.length() > 120 ? oneLine.substring(0, 120) + "… (" + oneLine.length() + " chars)" : oneLine;
        }
    }
}
