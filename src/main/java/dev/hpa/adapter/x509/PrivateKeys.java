package dev.hpa.adapter.x509;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Private keys in the PEM encodings that cert-manager, openssl and kubeadm write: PKCS#8 ("PRIVATE KEY"), PKCS#1
 * ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY", its curve inline or in a separate "EC PARAMETERS" block). The
 * JDK reads PKCS#8 only, so the other two are wrapped into PKCS#8 first, as RFC 5208 and RFC 5915 define.
 */
public final class PrivateKeys {

    static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    static final String RSASSA_PSS = "1.2.840.113549.1.1.10";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    private static final Map<String, String> ALGORITHMS = Map.of(
            RSA_ENCRYPTION, "RSA", RSASSA_PSS, "RSASSA-PSS", EC_PUBLIC_KEY, "EC",
            "1.3.101.112", "Ed25519", "1.3.101.113", "Ed448");

    private PrivateKeys() {
    }

    /** A key that cannot be used, and why. */
    public static final class KeyException extends IllegalArgumentException {
        KeyException(String message) {
            super(message);
        }

        KeyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Every private key in the blocks, in order; other blocks are skipped.
     *
     * @throws KeyException for an encrypted key or a key block that cannot be decoded
     */
    public static List<PrivateKey> decode(List<Pem.Block> blocks) {
        byte[] separateCurve = blocks.stream().filter(block -> block.label().equals("EC PARAMETERS"))
                .map(Pem.Block::der).findFirst().orElse(null);
        List<PrivateKey> keys = new ArrayList<>();
        for (Pem.Block block : blocks) {
            if (block.encrypted() || block.label().equals("ENCRYPTED PRIVATE KEY")) {
                throw new KeyException("the private key is encrypted; store it unencrypted");
            }
            try {
                switch (block.label()) {
                    case "PRIVATE KEY" -> keys.add(fromPkcs8(block.der()));
                    case "RSA PRIVATE KEY" -> keys.add(fromPkcs8(pkcs8(RSA_ENCRYPTION, Der.nullValue(), block.der())));
                    case "EC PRIVATE KEY" -> keys.add(fromPkcs8(pkcs8(EC_PUBLIC_KEY,
                            curveOf(block.der(), separateCurve), block.der())));
                    default -> {
                        // certificates, EC PARAMETERS: not keys
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new KeyException("cannot decode private key: " + e.getMessage(), e);
            }
        }
        return keys;
    }

    /** The key as a "PRIVATE KEY" (PKCS#8) PEM block, the one form every tool reads. */
    public static String pem(PrivateKey key) {
        return Pem.encode("PRIVATE KEY", key.getEncoded());
    }

    private static PrivateKey fromPkcs8(byte[] der) {
        List<Der.Value> info = Der.read(der).expect(Der.SEQUENCE).elements();
        if (info.size() < 3) {
            throw new Der.DerException("PrivateKeyInfo has " + info.size() + " elements");
        }
        String oid = info.get(1).expect(Der.SEQUENCE).elements().get(0).oid();
        String algorithm = ALGORITHMS.get(oid);
        if (algorithm == null) {
            throw new Der.DerException("unsupported key algorithm " + oid);
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(algorithm + " key rejected: " + e.getMessage(), e);
        }
    }

    private static byte[] pkcs8(String algorithmOid, byte[] parameters, byte[] key) {
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(algorithmOid), parameters), Der.octetString(key));
    }

    /** SEC1's ECPrivateKey: {@code SEQUENCE { version, privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }}. */
    private static byte[] curveOf(byte[] sec1, byte[] separateCurve) {
        for (Der.Value element : Der.read(sec1).expect(Der.SEQUENCE).elements()) {
            if (element.tag() == 0xa0) {
                return element.elements().get(0).encoded();
            }
        }
        if (separateCurve == null) {
            throw new Der.DerException("EC PRIVATE KEY names no curve and there is no EC PARAMETERS block");
        }
        return separateCurve;
    }
}
