package dev.hpa.adapter.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Turns the PEM text of a certificate file and a key file into JCA objects. Accepts the key encodings that
 * cert-manager, openssl and kubeadm write: PKCS#8 ("PRIVATE KEY"), PKCS#1 RSA and SEC1 EC.
 */
final class PemDecoder {

    private PemDecoder() {
    }

    /** Every certificate in the file, in file order; other blocks (a key in a combined PEM) are skipped. */
    static List<X509Certificate> certificates(String source, byte[] pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object block : blocks(source, pem)) {
            if (block instanceof X509CertificateHolder holder) {
                certificates.add(toCertificate(source, holder));
            }
        }
        if (certificates.isEmpty()) {
            throw new ServingCertificateException(source + ": no PEM CERTIFICATE block found");
        }
        return certificates;
    }

    /** The one private key in the file; "EC PARAMETERS" blocks written by openssl are skipped. */
    static PrivateKey privateKey(String source, byte[] pem) {
        List<PrivateKey> keys = new ArrayList<>();
        for (Object block : blocks(source, pem)) {
            if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new ServingCertificateException(source + ": the private key is encrypted; store it unencrypted");
            }
            if (block instanceof PEMKeyPair pair) {
                keys.add(toPrivateKey(source, pair.getPrivateKeyInfo()));
            } else if (block instanceof PrivateKeyInfo info) {
                keys.add(toPrivateKey(source, info));
            }
        }
        if (keys.size() != 1) {
            throw new ServingCertificateException(source + ": expected one PEM private key"
                    + " (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY), found " + keys.size());
        }
        return keys.get(0);
    }

    private static List<Object> blocks(String source, byte[] pem) {
        List<Object> blocks = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            // PEMParser signals bad base64 or DER with unchecked exceptions as well as IOException.
            throw new ServingCertificateException(source + ": not valid PEM: " + e.getMessage(), e);
        }
        return blocks;
    }

    private static X509Certificate toCertificate(String source, X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new ServingCertificateException(source + ": cannot decode certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey toPrivateKey(String source, PrivateKeyInfo info) {
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new ServingCertificateException(source + ": cannot decode private key: " + e.getMessage(), e);
        }
    }
}
