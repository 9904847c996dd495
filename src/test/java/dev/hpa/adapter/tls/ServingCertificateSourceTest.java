package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyEncoding;
import dev.hpa.adapter.testing.TestCertificates.KeyType;
import dev.hpa.adapter.testing.TestCertificates.Leaf;
import dev.hpa.adapter.testing.TestCertificates.PemFiles;

class ServingCertificateSourceTest {

    private static final Authority CA = TestCertificates.authority("source-test-ca");

    @TempDir
    Path dir;

    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();

    /**
     * A record's text with its parameters. Once Quarkus tests have run in this JVM, JBoss LogManager may hand over
     * records already formatted, with no parameters left; its ExtLogRecord keeps the formatted message.
     */
    static String text(LogRecord record) {
        return record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                : record.getMessage() + " " + Arrays.toString(record.getParameters());
    }
    private final Handler errorCollector = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger sourceLogger = Logger.getLogger(ServingCertificateSource.class.getName());

    @BeforeEach
    void collectErrors() {
        sourceLogger.addHandler(errorCollector);
    }

    @AfterEach
    void stopCollecting() {
        sourceLogger.removeHandler(errorCollector);
    }

    @Test
    void generatesWhenNoFilesAreConfigured() {
        ServingCertificate generated = SelfSignedCertificate.generate(
                SelfSignedNames.of(Optional.empty(), "adapter", Optional.empty()), Instant.now());

        ServingCertificateSource source = new ServingCertificateSource(Optional.empty(), () -> generated);

        assertSame(generated, source.current());
        assertFalse(source.refresh(), "nothing to watch");
    }

    @Test
    void servesTheConfiguredFiles() {
        Issued first = CA.issue(Leaf.server("localhost").withKeyType(KeyType.RSA));
        ServingCertificateSource source = sourceFor(first.writePem(dir, "tls", KeyEncoding.TRADITIONAL));

        assertEquals(first.certificate(), source.current().leaf());
        assertFalse(source.refresh(), "unchanged files");
    }

    @Test
    void refusesToStartOnAnUnusableFile() throws IOException {
        PemFiles files = CA.issue(Leaf.server("localhost")).writePem(dir, "tls");
        Files.writeString(files.keyFile(), "garbage");

        ServingCertificateException failure = assertThrows(ServingCertificateException.class, () -> sourceFor(files));

        assertTrue(failure.getMessage().startsWith("adapter.tls.key-file " + files.keyFile() + ": "),
                failure.getMessage());
    }

    @Test
    void switchesToAChangedPair() throws IOException {
        PemFiles files = CA.issue(Leaf.server("localhost")).writePem(dir, "tls");
        ServingCertificateSource source = sourceFor(files);
        Issued rotated = CA.issue(Leaf.server("localhost"));

        replace(files, rotated);

        assertTrue(source.refresh());
        assertEquals(rotated.certificate(), source.current().leaf());
        assertFalse(source.refresh(), "already serving it");
        assertEquals(List.of(), errors);
    }

    @Test
    void keepsTheOldPairAndLogsOnceWhenTheNewOneIsBroken() throws IOException {
        Issued original = CA.issue(Leaf.server("localhost"));
        PemFiles files = original.writePem(dir, "tls");
        ServingCertificateSource source = sourceFor(files);

        Files.writeString(files.keyFile(), "half-written");
        List<Boolean> changed = List.of(source.refresh(), source.refresh(), source.refresh());

        assertEquals(List.of(false, false, false), changed);
        assertEquals(original.certificate(), source.current().leaf());
        assertEquals(1, errors.size(), "one ERROR per change");
        assertTrue(text(errors.get(0)).contains(files.keyFile().toString()), text(errors.get(0)));
    }

    @Test
    void logsAgainForTheNextBrokenChangeAndRecoversWhenFixed() throws IOException {
        PemFiles files = CA.issue(Leaf.server("localhost")).writePem(dir, "tls");
        ServingCertificateSource source = sourceFor(files);
        Issued otherKeyOwner = CA.issue(Leaf.server("localhost"));

        Files.writeString(files.keyFile(), "half-written");
        source.refresh();
        Files.writeString(files.keyFile(), otherKeyOwner.privateKeyPem(KeyEncoding.PKCS8));
        source.refresh();
        source.refresh();
        Issued fixed = CA.issue(Leaf.server("localhost"));
        replace(files, fixed);

        assertTrue(source.refresh());
        assertEquals(fixed.certificate(), source.current().leaf());
        assertEquals(2, errors.size(), "garbage, then a key of another certificate");
    }

    @Test
    void survivesFilesThatVanishForAWhile() throws IOException {
        Issued original = CA.issue(Leaf.server("localhost"));
        PemFiles files = original.writePem(dir, "tls");
        ServingCertificateSource source = sourceFor(files);
        Path aside = dir.resolve("aside");

        Files.move(files.keyFile(), aside);
        boolean whileMissing = source.refresh() | source.refresh();
        Files.move(aside, files.keyFile());

        assertFalse(whileMissing);
        assertFalse(source.refresh(), "back to the contents already served");
        assertEquals(original.certificate(), source.current().leaf());
        assertEquals(1, errors.size());
    }

    private ServingCertificateSource sourceFor(PemFiles files) {
        return new ServingCertificateSource(Optional.of(new ServingCertificateFiles(files.certFile(), files.keyFile())),
                () -> {
                    throw new AssertionError("files are configured: nothing to generate");
                });
    }

    /** Swaps both files at once, as the kubelet does for a Secret volume. */
    private void replace(PemFiles files, Issued issued) throws IOException {
        PemFiles staged = issued.writePem(Files.createTempDirectory(dir, "staged"), "tls");
        Files.move(staged.certFile(), files.certFile(), StandardCopyOption.ATOMIC_MOVE);
        Files.move(staged.keyFile(), files.keyFile(), StandardCopyOption.ATOMIC_MOVE);
    }
}
