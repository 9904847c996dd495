package dev.hpa.adapter.prometheus;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.tls.ServingCertificate;
import dev.hpa.adapter.tls.ServingCertificateException;
import dev.hpa.adapter.x509.Pem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The engine's CA bundle ({@code adapter.prometheus.ca-file}) and the adapter's client certificate and key, from
 * files that cert-manager or a Secret volume replace while the adapter runs. Their content is looked at again at
 * most every {@link #CHECK_EVERY}, and a change goes to the client with {@code HttpClient.updateSSLOptions}: new
 * connections use it, pooled keep-alive connections finish on the old.
 *
 * <p>The client is given the files' content, not their paths: Vert.x skips an update whose options are equal,
 * and options naming the same paths always are. Content is only handed over once it decodes: a CA bundle cut off
 * mid-write or a certificate whose new key has not arrived yet would otherwise replace trust that works. Until
 * then the last good files stay in force, one WARN says which file is wrong and why, and the next check looks again.
 */
final class TlsFiles {

    /**
     * How soon a rotated file is used. Checked from the query path rather than a timer: nothing runs while no HPA
     * asks, the check runs just before the connection that needs it, and there is no timer to own. It costs a read
     * of two or three small files, a few kilobytes from a Secret volume, and a hash, every few seconds at most.
     */
    static final Duration CHECK_EVERY = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(TlsFiles.class);

    private final String engine;
    private final Optional<Path> caFile;
    private final Optional<Path> certFile;
    private final Optional<Path> keyFile;
    private final Counter applied;
    private final Counter rejected;
    private final AtomicLong nextCheckNanos = new AtomicLong(System.nanoTime() + CHECK_EVERY.toNanos());
    /** The client's TLS settings but for the files: what every update starts from. */
    private SSLOptions base;
    /** Digest of the content decoded last, used or rejected, so that each content is judged and logged once. */
    private byte[] seenDigest;
    /** The last problem reading the files, logged once until a read succeeds again. */
    private String readProblem;
    /** Why no query can be sent: the files have never been usable since start-up. Null once they were. */
    private volatile String unusable;

    /** Null when the engine's URL is plain HTTP or no file is configured: then the JDK's CAs and no client certificate. */
    static TlsFiles of(String url, AdapterConfig.Prometheus config, MeterRegistry registry) {
        if (!url.startsWith("https:") || config.caFile().isEmpty() && config.clientCertFile().isEmpty()) {
            return null;
        }
        return new TlsFiles(url, config.caFile().map(Path::of), config.clientCertFile().map(Path::of),
                config.clientKeyFile().map(Path::of), registry);
    }

    TlsFiles(String engine, Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile,
            MeterRegistry registry) {
        this.engine = engine;
        this.caFile = caFile;
        this.certFile = certFile;
        this.keyFile = keyFile;
        applied = reloads(registry, "applied");
        rejected = reloads(registry, "rejected");
    }

    private static Counter reloads(MeterRegistry registry, String outcome) {
        return Counter.builder("adapter.prometheus.tls.reloads")
                .description("Changed TLS files of the engine's client: applied, or rejected and the old ones kept")
                .tag("outcome", outcome).register(registry);
    }

    /**
     * Puts the files' content into the client's options, which must have every other TLS setting already. When they
     * cannot be used now, the client is built without them and {@link #refresh} keeps every query from being sent.
     */
    synchronized void applyTo(HttpClientOptions options) {
        base = new SSLOptions(options.getSslOptions());
        Contents contents;
        try {
            contents = read();
            seenDigest = contents.digest();
            Material material = decode(contents);
            options.setTrustOptions(material.trust()).setKeyCertOptions(material.keyCert());
        } catch (TlsFileException e) {
            unusable = e.getMessage();
            reject(e);
        }
    }

    /**
     * Looks at the files if {@link #CHECK_EVERY} has passed, and hands changed content that decodes to the client.
     *
     * @return why no query may be sent (the files never were usable), or null
     */
    String refresh(HttpClient client) {
        long now = System.nanoTime();
        long due = nextCheckNanos.get();
        if (now - due >= 0 && nextCheckNanos.compareAndSet(due, now + CHECK_EVERY.toNanos())) {
            check(client);
        }
        return unusable;
    }

    private synchronized void check(HttpClient client) {
        Contents contents;
        Material material;
        try {
            contents = read();
            readProblem = null;
            byte[] digest = contents.digest();
            if (Arrays.equals(digest, seenDigest)) {
                return;
            }
            seenDigest = digest;
            material = decode(contents);
        } catch (TlsFileException e) {
            reject(e);
            return;
        }
        client.updateSSLOptions(new SSLOptions(base).setTrustOptions(material.trust())
                .setKeyCertOptions(material.keyCert())).onComplete(update -> {
                    if (update.succeeded()) {
                        applied(material);
                    } else {
                        // Vert.x keeps the SSL context it had when it cannot build the new one.
                        reject(new TlsFileException("the TLS stack refused " + material.description() + ": "
                                + update.cause().getMessage(), false));
                    }
                });
    }

    private synchronized void applied(Material material) {
        unusable = null;
        applied.increment();
        LOG.infof("New connections to %s use the changed TLS files: %s", engine, material.description());
    }

    private synchronized void reject(TlsFileException e) {
        if (e.read) {
            if (e.getMessage().equals(readProblem)) {
                return;
            }
            readProblem = e.getMessage();
        }
        rejected.increment();
        if (unusable != null) {
            unusable = e.getMessage() + " (no query is sent until it can be used; checked again every "
                    + CHECK_EVERY.toSeconds() + "s)";
            LOG.warnf("No query goes to %s until its TLS files can be used: %s; checked again every %ds", engine,
                    e.getMessage(), CHECK_EVERY.toSeconds());
        } else {
            LOG.warnf("Keeping the TLS files in use for %s: %s; checked again every %ds", engine, e.getMessage(),
                    CHECK_EVERY.toSeconds());
        }
    }

    /** The bytes of every configured file, read at one moment. */
    private record Contents(byte[] ca, byte[] cert, byte[] key) {

        byte[] digest() {
            try {
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                for (byte[] file : new byte[][] {ca, cert, key}) {
                    // Each file's own digest, so that moving bytes from one file to the next is a change too.
                    sha256.update(file == null ? new byte[0] : MessageDigest.getInstance("SHA-256").digest(file));
                }
                return sha256.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What the TLS stack is given, and a line saying what it is for the log. */
    private record Material(PemTrustOptions trust, PemKeyCertOptions keyCert, String description) {}

    private Contents read() {
        return new Contents(caFile.map(file -> read("ca-file", file)).orElse(null),
                certFile.map(file -> read("client-cert-file", file)).orElse(null),
                keyFile.map(file -> read("client-key-file", file)).orElse(null));
    }

    private static byte[] read(String key, Path file) {
        String source = source(key, file);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(source + ": the file does not exist", true);
        } catch (AccessDeniedException e) {
            throw new TlsFileException(source + ": permission denied", true);
        } catch (IOException e) {
            throw new TlsFileException(source + ": cannot read it: " + e, true);
        }
    }

    private Material decode(Contents contents) {
        PemTrustOptions trust = null;
        PemKeyCertOptions keyCert = null;
        StringBuilder description = new StringBuilder();
        if (contents.ca() != null) {
            String source = source("ca-file", caFile.get());
            List<X509Certificate> cas;
            try {
                cas = Pem.certificates(complete(source, contents.ca()));
            } catch (IllegalArgumentException e) {
                throw new TlsFileException(source + ": not valid PEM: " + e.getMessage(), false);
            }
            if (cas.isEmpty()) {
                throw new TlsFileException(source + ": no PEM CERTIFICATE block found", false);
            }
            trust = new PemTrustOptions().addCertValue(Buffer.buffer(contents.ca()));
            description.append("trusting ").append(cas.stream().map(ca -> ca.getSubjectX500Principal().getName())
                    .collect(Collectors.joining(", "))).append(" from ").append(caFile.get());
        }
        if (contents.cert() != null) {
            String certSource = source("client-cert-file", certFile.get());
            String keySource = source("client-key-file", keyFile.get());
            complete(certSource, contents.cert());
            complete(keySource, contents.key());
            ServingCertificate pair;
            try {
                // Decodes both files and finds the certificate the key belongs to: a pair half rotated fails here.
                pair = ServingCertificate.fromPem(certSource, contents.cert(), keySource, contents.key());
            } catch (ServingCertificateException e) {
                throw new TlsFileException(e.getMessage(), false);
            }
            keyCert = new PemKeyCertOptions().setCertValue(Buffer.buffer(contents.cert()))
                    .setKeyValue(Buffer.buffer(contents.key()));
            description.append(description.length() > 0 ? "; " : "").append("presenting ")
                    .append(pair.leaf().getSubjectX500Principal().getName()).append(", not after ")
                    .append(pair.leaf().getNotAfter().toInstant()).append(", from ").append(certFile.get());
        }
        return new Material(trust, keyCert, description.toString());
    }

    /**
     * The file as text, if every PEM block in it is closed. {@link Pem} skips a block without its END line, so a
     * bundle caught mid-write would pass here as the CAs written so far; Vert.x would then refuse it (and keep the
     * old context), but with a message that names no file.
     */
    private static String complete(String source, byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        int begins = count(text, "-----BEGIN ");
        int ends = count(text, "-----END ");
        if (begins != ends) {
            throw new TlsFileException(source + ": " + begins + " PEM BEGIN lines but " + ends + " END lines (is it"
                    + " still being written?)", false);
        }
        return text;
    }

    private static int count(String text, String marker) {
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length())) {
            count++;
        }
        return count;
    }

    private static String source(String key, Path file) {
        return "adapter.prometheus." + key + " " + file;
    }

    /** A file that cannot be used, and why; {@code read} when it could not even be read. */
    private static final class TlsFileException extends RuntimeException {
        final boolean read;

        TlsFileException(String message, boolean read) {
            super(message, null, false, false);
            this.read = read;
        }
    }
}
