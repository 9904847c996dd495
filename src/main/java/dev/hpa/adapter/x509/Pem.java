package dev.hpa.adapter.x509;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM as RFC 7468 writes it and openssl, cert-manager and kubeadm produce it: blocks between BEGIN and END lines,
 * text around them ignored (openssl's "Bag Attributes", comments), RFC 1421 headers such as
 * {@code Proc-Type: 4,ENCRYPTED} kept so that an encrypted key can be recognized.
 */
public final class Pem {

    public static final String CERTIFICATE = "CERTIFICATE";

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Base64.Encoder LINES = Base64.getMimeEncoder(64, new byte[] { '\n' });

    private Pem() {
    }

    /** One block: its label, whether its headers say it is encrypted, and its decoded bytes. */
    public record Block(String label, boolean encrypted, byte[] der) {
    }

    /**
     * Every block in the text, in order.
     *
     * @throws IllegalArgumentException when a block's body is not valid base64
     */
    public static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            String label = matcher.group(1);
            String body = matcher.group(2).replace("\r", "");
            boolean encrypted = false;
            int blank = body.indexOf("\n\n");
            if (body.startsWith("Proc-Type:") && blank >= 0) {
                encrypted = body.substring(0, blank).contains("ENCRYPTED");
                body = body.substring(blank + 2);
            }
            try {
                blocks.add(new Block(label, encrypted, Base64.getDecoder().decode(body.replaceAll("\\s", ""))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("block " + label + " is not valid base64: " + e.getMessage(), e);
            }
        }
        return blocks;
    }

    /**
     * Every certificate in the text, in order; other blocks (a key in a combined file) are skipped.
     *
     * @throws IllegalArgumentException when a block is not valid base64 or a certificate block is not a certificate
     */
    public static List<X509Certificate> certificates(String text) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(text)) {
            if (block.label().equals(CERTIFICATE)) {
                certificates.add(certificate(block.der()));
            }
        }
        return certificates;
    }

    public static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + LINES.encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    public static String encode(List<X509Certificate> certificates) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                text.append(encode(CERTIFICATE, certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return text.toString();
    }

    public static byte[] ascii(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }
}
