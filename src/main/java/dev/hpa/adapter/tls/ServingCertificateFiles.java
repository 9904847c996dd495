package dev.hpa.adapter.tls;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;

/** The configured PEM certificate and key files; read afresh on every look so a Secret volume update is seen. */
public record ServingCertificateFiles(Path certFile, Path keyFile) {

    public static final String CERT_FILE_KEY = "adapter.tls.cert-file";
    public static final String KEY_FILE_KEY = "adapter.tls.key-file";

    /** Both settings, or neither (then a certificate is generated); one alone is a configuration mistake. */
    public static Optional<ServingCertificateFiles> fromSettings(Optional<String> certFile, Optional<String> keyFile) {
        if (certFile.isPresent() != keyFile.isPresent()) {
            String setKey = certFile.isPresent() ? CERT_FILE_KEY : KEY_FILE_KEY;
            throw new ServingCertificateException(CERT_FILE_KEY + " and " + KEY_FILE_KEY + " must be set together"
                    + " (only " + setKey + " is set): set both to serve your certificate,"
                    + " or neither to serve a generated self-signed one");
        }
        return certFile.map(cert -> new ServingCertificateFiles(Path.of(cert), Path.of(keyFile.get())));
    }

    /** What both files hold right now. */
    public Contents read() {
        return new Contents(this, readFile(CERT_FILE_KEY, certFile), readFile(KEY_FILE_KEY, keyFile));
    }

    String certSource() {
        return CERT_FILE_KEY + " " + certFile;
    }

    String keySource() {
        return KEY_FILE_KEY + " " + keyFile;
    }

    /** The bytes of both files at one moment. */
    public record Contents(ServingCertificateFiles files, byte[] cert, byte[] key) {

        public ServingCertificate decode() {
            return ServingCertificate.fromPem(files.certSource(), cert, files.keySource(), key);
        }

        /** A SHA-256 over both files, so that only a digest of the private key outlives the check. */
        public byte[] digest() {
            try {
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                sha256.update(MessageDigest.getInstance("SHA-256").digest(cert));
                sha256.update(MessageDigest.getInstance("SHA-256").digest(key));
                return sha256.digest();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static byte[] readFile(String key, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ServingCertificateException(key + " " + file + ": file does not exist", e);
        } catch (AccessDeniedException e) {
            throw new ServingCertificateException(key + " " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new ServingCertificateException(key + " " + file + ": cannot read: " + e, e);
        }
    }
}
