package dev.hpa.adapter.playground;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.jar.JarFile;
import javax.net.ssl.SSLContext;

/**
 * The adapter as it runs in a cluster: the production jar in its own JVM, configured only through the environment
 * and a kubeconfig, on ports picked free on 127.0.0.1. Its output goes to a log file.
 * <p>
 * It never outlives the JVM that started it, even one killed with SIGKILL (whose shutdown hooks do not run): the
 * jar is started through {@link ExitWithParent}, which ends the adapter when its stdin, a pipe from this JVM, reaches
 * end of file, and the kernel closes that pipe whenever this JVM goes. The pipe lives as long as this object.
 */
public final class AdapterProcess implements AutoCloseable {

    /** What the Deployment gives a pod between SIGTERM and SIGKILL (terminationGracePeriodSeconds). */
    private static final Duration GRACE = Duration.ofSeconds(30);

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
        Path launcher = ExitWithParent.classPath(log.toAbsolutePath().getParent().resolve(".exit-with-parent"));
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                launcher + java.io.File.pathSeparator + jar, ExitWithParent.class.getName(), jar.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()); // stdin stays a pipe from here
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

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM, as the kubelet sends it to a pod being deleted; returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** True if the process has exited within {@code timeout}. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitValue() {
        return process.exitValue();
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

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "the end of " + log + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20),
                    lines.size()));
        } catch (IOException e) {
            return "see " + log;
        }
    }

    /**
     * Stops the JVM (SIGTERM, so Quarkus shuts down in order, its shutdown delay included), and kills it if it has
     * not gone within the Deployment's grace period.
     */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The adapter JVM's main: watches stdin and exits (in order, as on SIGTERM) once it ends, then runs the jar's
     * own main. Java has no portable "die with the parent" (prctl), and polling the parent's pid could meet a reused
     * one; end of file on an inherited pipe is what every Unix gives when the other end's process is gone.
     */
    public static final class ExitWithParent {

        private ExitWithParent() {
        }

        public static void main(String[] args) throws Exception {
            Thread watch = new Thread(() -> {
                try (InputStream parent = System.in) {
                    while (parent.read() >= 0) {
                        // the launcher writes nothing; only the end matters
                    }
                } catch (IOException closed) {
                    // as good as the end
                }
                System.err.println("stdin closed: the process that started the adapter is gone, or stops it; exiting");
                System.exit(0);
            }, "exit-with-parent");
            watch.setDaemon(true);
            watch.start();
            String mainClass;
            try (JarFile jar = new JarFile(args[0])) {
                mainClass = jar.getManifest().getMainAttributes().getValue("Main-Class");
            }
            Class.forName(mainClass).getMethod("main", String[].class)
                    .invoke(null, (Object) java.util.Arrays.copyOfRange(args, 1, args.length));
        }

        /** A directory holding just this class, to put before the jar on the adapter's class path. */
        static Path classPath(Path dir) {
            String file = ExitWithParent.class.getName().replace('.', '/') + ".class";
            try (InputStream bytes = ExitWithParent.class.getClassLoader().getResourceAsStream(file)) {
                Path target = dir.resolve(file);
                Files.createDirectories(target.getParent());
                Files.write(target, bytes.readAllBytes());
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + " under " + dir, e);
            }
        }
    }
}
