package dev.hpa.adapter.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Certificates made with openssl, as an operator would: a CA for the auth configmap (the adapter refuses to start
 * without one) and, for nginx, an EC P-256 serving certificate like the adapter's self-signed one, so both
 * servers do the same handshake work.
 */
final class Certificates {

    private Certificates() {}

    /** The CA certificate in {@code dir}, made on first use. */
    static synchronized Path ca(Path dir) {
        Path cert = dir.resolve("ca.crt");
        if (!Files.exists(cert)) {
            Children.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=bench-client-ca",
                    "-keyout", dir.resolve("ca.key").toString(), "-out", cert.toString()), dir.resolve("openssl.log"));
        }
        return cert;
    }

    /** A self-signed serving pair for localhost/127.0.0.1: {cert, key}. */
    static Path[] serving(Path dir) {
        Path cert = dir.resolve("serving.crt");
        Path key = dir.resolve("serving.key");
        Children.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()), dir.resolve("openssl.log"));
        return new Path[] {cert, key};
    }
}
