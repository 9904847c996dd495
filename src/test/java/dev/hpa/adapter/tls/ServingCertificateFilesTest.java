package dev.hpa.adapter.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingCertificateFilesTest {

    @TempDir
    Path dir;

    @Test
    void bothSettingsNameTheFiles() {
        Optional<ServingCertificateFiles> files = ServingCertificateFiles.fromSettings(Optional.of("/tls/tls.crt"),
                Optional.of("/tls/tls.key"));

        assertEquals(Optional.of(new ServingCertificateFiles(Path.of("/tls/tls.crt"), Path.of("/tls/tls.key"))), files);
    }

    @Test
    void neitherSettingMeansGenerate() {
        assertEquals(Optional.empty(), ServingCertificateFiles.fromSettings(Optional.empty(), Optional.empty()));
    }

    @Test
    void oneSettingAloneIsRefusedNamingBothKeys() {
        ServingCertificateException onlyCert = assertThrows(ServingCertificateException.class,
                () -> ServingCertificateFiles.fromSettings(Optional.of("/tls/tls.crt"), Optional.empty()));
        ServingCertificateException onlyKey = assertThrows(ServingCertificateException.class,
                () -> ServingCertificateFiles.fromSettings(Optional.empty(), Optional.of("/tls/tls.key")));

        assertEquals("adapter.tls.cert-file and adapter.tls.key-file must be set together (only adapter.tls.cert-file"
                + " is set): set both to serve your certificate, or neither to serve a generated self-signed one",
                onlyCert.getMessage());
        assertEquals(true, onlyKey.getMessage().contains("(only adapter.tls.key-file is set)"), onlyKey.getMessage());
    }

    @Test
    void aMissingFileIsNamedWithItsSetting() {
        ServingCertificateFiles files = new ServingCertificateFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"));

        ServingCertificateException failure = assertThrows(ServingCertificateException.class, files::read);

        assertEquals("adapter.tls.cert-file " + dir.resolve("tls.crt") + ": file does not exist", failure.getMessage());
    }
}
