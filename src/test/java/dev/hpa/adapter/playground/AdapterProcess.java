package dev.hpa.adapter.playground;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * The adapter as it runs in a cluster: the production jar in its own JVM, configured only through the environment
 * and a kubeconfig, on ports picked free on 127.0.0.1. Its output goes to a log file.
 */
public final class AdapterProcess implements AutoCloseable {

    private final Process process;
    private final int securePort;
    private final Path log;

    private AdapterProcess(Process process, int securePort, Path log) {
        this.process = process;
        this.securePort = securePort;
        this.log = log;
    }

    /** The jar {@code ./mvnw package} builds; a clear message if it is not there. */
    public static Path jar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the adapter jar " + jar.toAbsolutePath() + " is missing: build it with "
                    + "./mvnw -B package -DskipTests, or start the playground with ./mvnw -Pplayground verify");
        }
        return jar;
    }

    /**
     * Starts {@code java -jar jar}; {@code settings} are the adapter's configuration as environment variables
     * (ADAPTER_SCRAPE_INTERVAL=...), on top of the ports, the serving certificate and the kubeconfig.
     */
    public static AdapterProcess start(Path jar, Path kubeconfig, Path certFile, Path keyFile, int securePort,
            Map<String, String> settings, Path log) {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("ADAPTER_SECURE_PORT", String.valueOf(securePort));
        env.put("ADAPTER_TLS_CERT_FILE", certFile.toString());
        env.put("ADAPTER_TLS_KEY_FILE", keyFile.toString());
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(freePort()));
        env.putAll(settings);
        try {
            return new AdapterProcess(builder.start(), securePort, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + builder.command(), e);
        }
    }

    /** A port nobody listens on right now (the OS picks it), for a server that cannot be told to pick one. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int securePort() {
        return securePort;
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until {@code /readyz} answers 200 over verified TLS, or fails with the end of the log. */
    public void awaitReady(SSLContext trust, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("https://localhost:" + securePort + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the adapter exited with status " + process.exitValue() + "; "
                        + tail());
            }
            try {
                if (http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the adapter was not ready within " + timeout.toSeconds() + " s; " + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "the end of " + log + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20),
                    lines.size()));
        } catch (IOException e) {
            return "see " + log;
        }
    }

    /** Stops the JVM (SIGTERM, so Quarkus shuts down in order), and kills it if it has not gone in 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
