package dev.hpa.adapter.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.pods.MetricsEndpoint;
import dev.hpa.adapter.pods.MetricsEndpoint.Format;
import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pods' HTTP client against a raw TCP server that answers each request with bytes of the test's choosing:
 * what a real model server may send (chunks, HTTP/1.0, {@code Connection: close}, 1xx, an idle connection closed),
 * and what only a broken or hostile one sends (a malformed head, two lengths, a head too large, bytes nobody asked
 * for, a half answer). Whatever comes, a scrape settles exactly once, and the next one starts clean.
 */
class PodScraperTest {

    private static final String PAGE = "vllm:num_requests_running 3\n";
    private static final int MAX_BODY = 4096;

    private Vertx vertx;
    private EventLoop loop;
    private RawServer server;
    /** Scrapes that settled more than once, or off the loop: must stay empty. */
    private final List<String> misbehaved = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        vertx = Vertx.vertx();
        loop = (EventLoop) vertx.nettyEventLoopGroup().next();
        server = new RawServer();
    }

    @AfterEach
    void stop() throws IOException {
        assertEquals(List.of(), misbehaved);
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aPageIsReadAndItsConnectionKeptForTheNextScrape() throws Exception {
        server.answer((n, request) -> ok(PAGE));
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            assertEquals(PAGE, text(scrape(connection)));
        }
        assertEquals(1, server.connections.get(), "one connection for three scrapes");
        String request = server.requests.get(0);
        assertEquals("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nAccept: "
                + PodScraper.TEXT_ACCEPT + "\r\nUser-Agent: hpa-metrics-adapter\r\nAccept-Encoding: gzip\r\n\r\n",
                request);
    }

    @Test
    void theRequestNamesAnIpv6HostInBracketsAndAsksQueueProxyForProtobuf() {
        String request = new String(PodScraper.request("fd00::7",
                new MetricsEndpoint(Format.QUEUE_PROXY, 9090, "/metrics")), StandardCharsets.US_ASCII);
        assertTrue(request.startsWith("GET /metrics HTTP/1.1\r\nHost: [fd00::7]:9090\r\nAccept: application/protobuf\r\n"),
                request);
    }

    @Test
    void chunkedHttp10AndConnectionCloseAnswersAreRead() throws Exception {
        server.answer((n, request) -> switch (n) {
            case 0 -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nvllm:\r\n" + Integer.toHexString(PAGE.length() - 5) + "\r\n" + PAGE.substring(5)
                    + "\r\n0\r\n\r\n";
            case 1 -> "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + PAGE + CLOSE;
            default -> "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + PAGE.length() + "\r\n\r\n"
                    + PAGE;
        });
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        assertEquals(PAGE, text(scrape(connection)), "chunked");
        assertEquals(PAGE, text(scrape(connection)), "HTTP/1.0, the body ends with the connection");
        assertEquals(PAGE, text(scrape(connection)), "a new connection after HTTP/1.0's");
        assertEquals(PAGE, text(scrape(connection)), "a new connection after Connection: close");
        assertEquals(3, server.connections.get());
    }

    @Test
    void aConnectionThePodClosedWhileIdleCostsNoScrape() throws Exception {
        // The kept-alive connection is closed as the next request arrives, as an idle timeout does at the wrong
        // moment: the scrape asks again on a new one, once. Then the pod closes the new one too: a failure.
        server.answer((n, request) -> n == 1 || n >= 3 ? CLOSE : ok(PAGE));
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        assertEquals(PAGE, text(scrape(connection)));
        assertEquals(PAGE, text(scrape(connection)), "asked again on a new connection");
        assertEquals(2, server.connections.get());
        assertEquals(3, server.requests.size());
        ScrapeFailure failure = failure(scrape(connection));
        assertEquals(Reason.CONNECT_ERROR, failure.reason());
        assertTrue(failure.getMessage().contains("closed before the answer ended"), failure.getMessage());
        assertEquals(5, server.requests.size(), "asked twice, not more");
    }

    @Test
    void aPodClosingAfterEachAnswerIsReadEverySecond() throws Exception {
        server.answer((n, request) -> ok(PAGE) + CLOSE);
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            assertEquals(PAGE, text(scrape(connection)));
            Thread.sleep(50); // the close may or may not have arrived before the next scrape: both must work
        }
        assertEquals(3, server.connections.get());
    }

    @Test
    void aHalfAnswerFailsItsScrapeOnly() throws Exception {
        server.answer((n, request) -> n == 0
                ? "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nvllm:num" + CLOSE
                : ok(PAGE));
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        ScrapeFailure failure = failure(scrape(connection));
        assertEquals(Reason.CONNECT_ERROR, failure.reason());
        assertTrue(failure.getMessage().contains("closed before the answer ended"), failure.getMessage());
        assertEquals(PAGE, text(scrape(connection)));
    }

    @Test
    void malformedAnswersAreBadPagesAndTheNextScrapeStartsClean() throws Exception {
        List<String> bad = List.of(
                "HTTP/1.1 two hundred OK\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg",
                "HTTP/1.1 200 OK\r\nX-Padding: " + "x".repeat(9000) + "\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        server.answer((n, request) -> n % 2 == 0 ? bad.get(n / 2) : ok(PAGE));
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        for (String answer : bad) {
            ScrapeFailure failure = failure(scrape(connection));
            assertEquals(Reason.BAD_PAGE, failure.reason(), answer.substring(0, Math.min(40, answer.length())) + ": " + failure);
            assertTrue(failure.getMessage().contains("sent a malformed HTTP answer"), failure.getMessage());
            assertEquals(PAGE, text(scrape(connection)), "after " + failure);
        }
        assertEquals(bad.size() + 1, server.connections.get(), "each malformed answer ended its connection");
    }

    @Test
    void interimAnswersAreSkippedAndBytesNobodyAskedForEndTheConnection() throws Exception {
        server.answer((n, request) -> n == 0
                ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + ok(PAGE)
                        + ok("vllm:num_requests_running 99\n") // a second answer to one request
                : ok(PAGE));
        PodScraper.Connection connection = connection(Duration.ofSeconds(2));
        assertEquals(PAGE, text(scrape(connection)));
        Thread.sleep(100);
        assertEquals(PAGE, text(scrape(connection)), "not the answer nobody asked for");
        assertEquals(2, server.connections.get());
    }

    @Test
    void aSilentPodTimesOutAndLosesItsConnection() throws Exception {
        server.answer((n, request) -> n == 0 ? null : ok(PAGE)); // null: never answer
        PodScraper.Connection connection = connection(Duration.ofMillis(300));
        CompletableFuture<Object> first = scrape(connection);
        Thread.sleep(100);
        assertTrue(!first.isDone());
        loop.execute(connection::expire);
        ScrapeFailure failure = failure(first);
        assertEquals(Reason.TIMEOUT, failure.reason());
        assertEquals("no full answer from pod within 300ms", failure.getMessage());
        assertTrue(server.closed.await(5, TimeUnit.SECONDS), "the connection of a timed-out scrape is closed");
        loop.execute(connection::expire); // a second expiry finds nothing in flight
        assertEquals(PAGE, text(scrape(connection)));
    }

    @Test
    void aClosedPortIsAConnectErrorAndStoppingSettlesTheScrapeInFlight() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        PodScraper.Connection refused = scraper(Duration.ofSeconds(2)).connection("127.0.0.1",
                new MetricsEndpoint(Format.PROMETHEUS, port, "/metrics"), loop, "pod");
        ScrapeFailure failure = failure(scrape(refused));
        assertEquals(Reason.CONNECT_ERROR, failure.reason());
        assertTrue(failure.getMessage().startsWith("cannot connect to pod: "), failure.getMessage());

        server.answer((n, request) -> null);
        PodScraper.Connection silent = connection(Duration.ofSeconds(2));
        CompletableFuture<Object> inFlight = scrape(silent);
        Thread.sleep(100);
        loop.execute(silent::close);
        assertTrue(failure(inFlight).getMessage().contains("was stopped"));
        assertTrue(server.closed.await(5, TimeUnit.SECONDS));
        assertTrue(failure(scrape(silent)).getMessage().contains("was stopped"), "a closed connection scrapes nothing");
    }

    @Test
    void aPageOverTheCapIsTooLarge() throws Exception {
        server.answer((n, request) -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + ("1000\r\n" + "#".repeat(4096) + "\r\n").repeat(2) + "0\r\n\r\n");
        ScrapeFailure failure = failure(scrape(connection(Duration.ofSeconds(2))));
        assertEquals(Reason.TOO_LARGE, failure.reason());
        assertEquals("pod sent more than 4096 bytes, over adapter.scrape.max-body-bytes=4096", failure.getMessage());
    }

    // ---- helpers

    /** Ends an answer (or is one) to close the connection after it. */
    private static final String CLOSE = "\u0000CLOSE";

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
    }

    private PodScraper scraper(Duration timeout) {
        return new PodScraper(vertx, Clock.systemUTC(), timeout, MAX_BODY);
    }

    private PodScraper.Connection connection(Duration timeout) {
        return scraper(timeout).connection("127.0.0.1", new MetricsEndpoint(Format.PROMETHEUS, server.port(),
                "/metrics"), loop, "pod");
    }

    /** Starts a scrape on the loop; completes with the Page or the ScrapeFailure, and fails if settled twice. */
    private CompletableFuture<Object> scrape(PodScraper.Connection connection) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        loop.execute(() -> connection.start((page, failure) -> {
            if (!loop.inEventLoop() || !result.complete(page != null ? page : failure)) {
                misbehaved.add("settled twice or off the loop: " + (page != null ? "a page" : failure));
            }
        }));
        return result;
    }

    private static String text(CompletableFuture<Object> scrape) throws Exception {
        Object result = scrape.get(5, TimeUnit.SECONDS);
        if (result instanceof ScrapeFailure failure) {
            throw new AssertionError("scrape failed: " + failure);
        }
        Page page = (Page) result;
        return new String(page.body(), 0, page.length(), StandardCharsets.UTF_8);
    }

    private static ScrapeFailure failure(CompletableFuture<Object> scrape) throws Exception {
        Object result = scrape.get(5, TimeUnit.SECONDS);
        assertTrue(result instanceof ScrapeFailure, "expected a failure, got a page");
        return (ScrapeFailure) result;
    }

    /**
     * The bytes answering the n-th request the server read (counted over all connections): null to say nothing,
     * {@link #CLOSE} alone to close the connection without an answer.
     */
    interface Answers {
        String answer(int n, String request);
    }

    /** A TCP server reading requests up to their blank line and writing each answer's bytes as they are. */
    private static final class RawServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requestCount = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        /** Counted down when the client closes a connection. */
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Answers answers;

        RawServer() throws IOException {
            Thread acceptor = new Thread(this::accept, "raw-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        void answer(Answers answers) {
            this.answers = answers;
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    connections.incrementAndGet();
                    Thread serving = new Thread(() -> serve(client), "raw-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closedSocket) {
                    return;
                }
            }
        }

        private void serve(Socket client) {
            try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                while (true) {
                    String request = readHead(in);
                    if (request == null) {
                        closed.countDown(); // the client closed it
                        return;
                    }
                    requests.add(request);
                    String answer = answers.answer(requestCount.getAndIncrement(), request);
                    if (answer == null) {
                        continue; // say nothing; the client's next bytes, or its close, come next
                    }
                    boolean close = answer.endsWith(CLOSE);
                    out.write(answer.replace(CLOSE, "").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (close) {
                        return;
                    }
                }
            } catch (IOException e) {
                closed.countDown();
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                head.write(b);
                byte[] bytes = head.toByteArray();
                int n = bytes.length;
                if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r'
                        && bytes[n - 1] == '\n') {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
