package dev.hpa.adapter.tls;

import dev.hpa.adapter.x509.Pem;
import dev.hpa.adapter.x509.PrivateKeys;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Turns the PEM text of a certificate file and a key file into JCA objects. Accepts the key encodings that
 * cert-manager, openssl and kubeadm write: PKCS#8 ("PRIVATE KEY"), PKCS#1 RSA and SEC1 EC.
 */
final class PemDecoder {

    private PemDecoder() {
    }

    /** Every certificate in the file, in file order; other blocks (a key in a combined PEM) are skipped. */
    static List<X509Certificate> certificates(String source, byte[] pem) {
        List<X509Certificate> certificates;
        try {
            certificates = Pem.certificates(text(pem));
        } catch (IllegalArgumentException e) {
            throw new ServingCertificateException(source + ": not valid PEM: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new ServingCertificateException(source + ": no PEM CERTIFICATE block found");
        }
        return certificates;
    }

    /** The one private key in the file; "EC PARAMETERS" blocks written by openssl are skipped. */
    static PrivateKey privateKey(String source, byte[] pem) {
        List<PrivateKey> keys;
        try {
            keys = PrivateKeys.decode(Pem.blocks(text(pem)));
        } catch (PrivateKeys.KeyException e) {
            throw new ServingCertificateException(source + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ServingCertificateException(source + ": not valid PEM: " + e.getMessage(), e);
        }
        if (keys.size() != 1) {
            throw new ServingCertificateException(source + ": expected one PEM private key"
                    + " (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY), found " + keys.size());
        }
        return keys.get(0);
    }

    private static String text(byte[] pem) {
        return new String(pem, StandardCharsets.US_ASCII);
    }
}
