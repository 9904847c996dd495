package dev.hpa.adapter.tls;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import dev.hpa.adapter.certificates.SelfManagedCertificates;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.StartupProblem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

/**
 * Owns the certificate this server presents: loaded from the configured files, or generated when there are none.
 * The files are only ever replaced by a pair that decodes and matches, so a half-written or broken update
 * never takes the server down; it keeps presenting the last good pair.
 */
@ApplicationScoped
public class ServingCertificateSource {

    private static final Logger LOG = Logger.getLogger(ServingCertificateSource.class);

    private final Optional<ServingCertificateFiles> files;
    private volatile ServingCertificate current;
    /** The certificate served before {@link #current}, for handshakes that chose it just before a rotation. */
    private volatile ServingCertificate previous;
    /** Digest of the file contents looked at last, served or rejected, so a rejection is logged once per change. */
    private byte[] lastSeenDigest;
    /** The last problem logged; stands in for the digest while the files cannot be read at all. */
    private String lastSeenProblem;

    @Inject
    ServingCertificateSource(AdapterConfig config, SelfManagedCertificates selfManaged) {
        try {
            this.files = ServingCertificateFiles.fromSettings(config.tls().certFile(), config.tls().keyFile());
            if (!config.tls().selfManaged().enabled()) {
                this.current = files.map(this::loadInitial).orElseGet(() -> generateInitial(
                        () -> SelfSignedCertificate.generate(SelfSignedNames.ofThisHost(config.serviceName()),
                                Instant.now())));
                return;
            }
            if (files.isPresent()) {
                throw new ServingCertificateException(ServingCertificateFiles.CERT_FILE_KEY + " and "
                        + "adapter.tls.self-managed.enabled=true contradict each other: serve the mounted certificate"
                        + " (self-managed off) or the adapter's own (no certificate files)");
            }
        } catch (ServingCertificateException e) {
            throw new StartupProblem(e.getMessage(), e);
        }
        // The first pair arrives through serve() before start() returns, later ones when the Secret changes.
        selfManaged.start(this::serve);
    }

    /** Fails with a {@link ServingCertificateException} when configured files cannot be served. */
    ServingCertificateSource(Optional<ServingCertificateFiles> files, Supplier<ServingCertificate> selfSigned) {
        this.files = files;
        this.current = files.map(this::loadInitial).orElseGet(() -> generateInitial(selfSigned));
    }

    /** Serves a pair from now on; the one it replaces still completes handshakes that chose it. */
    private synchronized void serve(ServingCertificate next) {
        previous = current;
        current = next;
    }

    public ServingCertificate current() {
        return current;
    }

    /** The current certificate, then the one it replaced, if any. */
    public List<ServingCertificate> currentAndPrevious() {
        // Read in the opposite order to refresh()'s writes, so a pair chosen a moment ago is always in the list.
        ServingCertificate now = current;
        ServingCertificate before = previous;
        return before == null || before == now ? List.of(now) : List.of(now, before);
    }

    /**
     * Looks at the files again and serves their pair if it changed and is usable.
     *
     * @return true when a new certificate is now current
     */
    public synchronized boolean refresh() {
        if (files.isEmpty()) {
            return false;
        }
        try {
            ServingCertificateFiles.Contents contents = files.get().read();
            lastSeenProblem = null;
            byte[] digest = contents.digest();
            if (Arrays.equals(digest, lastSeenDigest)) {
                return false;
            }
            lastSeenDigest = digest;
            ServingCertificate decoded = contents.decode();
            previous = current;
            current = decoded;
            LOG.infof("Serving a new certificate from %s: %s", files.get().certFile(), current.describe());
            return true;
        } catch (ServingCertificateException e) {
            reportOnce(e.getMessage());
            return false;
        }
    }

    private ServingCertificate loadInitial(ServingCertificateFiles configured) {
        ServingCertificateFiles.Contents contents = configured.read();
        ServingCertificate loaded = contents.decode();
        lastSeenDigest = contents.digest();
        LOG.infof("Serving the certificate from %s and %s: %s", configured.certFile(), configured.keyFile(),
                loaded.describe());
        warnIfExpired(loaded);
        return loaded;
    }

    private static ServingCertificate generateInitial(Supplier<ServingCertificate> selfSigned) {
        ServingCertificate generated = selfSigned.get();
        LOG.infof("Neither %s nor %s is set: serving a generated self-signed certificate for %s, not after %s,"
                + " SHA-256 %s", ServingCertificateFiles.CERT_FILE_KEY, ServingCertificateFiles.KEY_FILE_KEY,
                generated.subjectAlternativeNames(), generated.leaf().getNotAfter().toInstant(),
                generated.sha256Fingerprint());
        return generated;
    }

    private void reportOnce(String problem) {
        if (problem.equals(lastSeenProblem)) {
            return;
        }
        lastSeenProblem = problem;
        LOG.errorf("Keeping the current serving certificate (SHA-256 %s): the changed files cannot be served: %s",
                current.sha256Fingerprint(), problem);
    }

    private static void warnIfExpired(ServingCertificate certificate) {
        if (certificate.leaf().getNotAfter().toInstant().isBefore(Instant.now())) {
            LOG.warnf("The serving certificate expired at %s; clients will reject it",
                    certificate.leaf().getNotAfter().toInstant());
        }
    }
}
