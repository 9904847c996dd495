package dev.hpa.adapter.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What {@code kubectl proxy} and kube-apiserver's aggregator do together for a browser, in one small local
 * proxy: plain HTTP on 127.0.0.1 for the browser (which has no client certificate to present), forwarded to the
 * adapter over verified TLS with the front-proxy client certificate and the viewer's identity in
 * {@code X-Remote-User}/{@code X-Remote-Group}. Identity headers from the browser are dropped, as the aggregator
 * drops them; the adapter's answer comes back with its headers, as kubectl proxy passes them.
 */
public final class AuthenticatingProxy implements AutoCloseable {

    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length",
            "transfer-encoding", "upgrade", "keep-alive", "expect");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final HttpClient client;
    private final URI adapter;
    private final String user;
    private final List<String> groups;

    /** Forwards to {@code https://localhost:<adapterPort>} as {@code user} in {@code groups}. */
    public AuthenticatingProxy(int adapterPort, String user, String... groups) {
        this.adapter = URI.create("https://localhost:" + adapterPort);
        this.user = user;
        this.groups = List.of(groups);
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(TestCertificates.alwaysPresenting(TestIdentities.FRONT_PROXY_CLIENT,
                        ServingCertificateResource.CA))
                .build();
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::forward);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}: where the browser goes, as http://localhost:8001 for kubectl proxy. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpRequest.Builder request = HttpRequest.newBuilder(adapter.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(20)).method(exchange.getRequestMethod(),
                            HttpRequest.BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes()));
            exchange.getRequestHeaders().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!NOT_FORWARDED.contains(lower) && !lower.startsWith("x-remote-")) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            request.header("X-Remote-User", user);
            groups.forEach(g -> request.header("X-Remote-Group", g));
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } catch (IOException e) {
                byte[] body = ("proxy: " + e + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(502, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
