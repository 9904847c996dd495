package dev.hpa.adapter.x509;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PKCS#1 and SEC1 wrappings, built from JDK keys: the inner key of a PKCS#8 is exactly what those files hold. */
class PrivateKeysTest {

    @Test
    void readsPkcs8AndWritesIt() {
        PrivateKey key = CertificateBuilder.ecP256KeyPair().getPrivate();
        List<PrivateKey> decoded = PrivateKeys.decode(Pem.blocks(PrivateKeys.pem(key)));
        assertEquals(List.of(key), decoded);
    }

    @Test
    void readsAPkcs1RsaKey() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        PrivateKey key = rsa.generateKeyPair().getPrivate();
        String pkcs1 = Pem.encode("RSA PRIVATE KEY", innerKey(key.getEncoded()));

        assertArrayEquals(key.getEncoded(), PrivateKeys.decode(Pem.blocks(pkcs1)).get(0).getEncoded());
    }

    @Test
    void readsASec1KeyWithItsCurveInlineOrInAnEcParametersBlock() {
        KeyPair pair = CertificateBuilder.ecP256KeyPair();
        byte[] pkcs8 = pair.getPrivate().getEncoded();
        byte[] curve = Der.read(pkcs8).elements().get(1).elements().get(1).encoded();
        byte[] sec1WithoutCurve = innerKey(pkcs8); // the JDK writes ECPrivateKey without [0] parameters
        byte[] sec1WithCurve = withCurve(sec1WithoutCurve, curve);

        PrivateKey inline = PrivateKeys.decode(Pem.blocks(Pem.encode("EC PRIVATE KEY", sec1WithCurve))).get(0);
        PrivateKey separate = PrivateKeys.decode(Pem.blocks(Pem.encode("EC PARAMETERS", curve)
                + Pem.encode("EC PRIVATE KEY", sec1WithoutCurve))).get(0);

        assertEquals(pair.getPrivate().getAlgorithm(), inline.getAlgorithm());
        assertEquals(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(),
                ((java.security.interfaces.ECPrivateKey) inline).getS());
        assertEquals(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(),
                ((java.security.interfaces.ECPrivateKey) separate).getS());
        PrivateKeys.KeyException noCurve = assertThrows(PrivateKeys.KeyException.class,
                () -> PrivateKeys.decode(Pem.blocks(Pem.encode("EC PRIVATE KEY", sec1WithoutCurve))));
        assertTrue(noCurve.getMessage().contains("names no curve"), noCurve.getMessage());
    }

    @Test
    void refusesEncryptedAndBrokenKeys() {
        String encryptedHeader = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
                + "AAAA\n-----END RSA PRIVATE KEY-----\n";
        assertTrue(assertThrows(PrivateKeys.KeyException.class, () -> PrivateKeys.decode(Pem.blocks(encryptedHeader)))
                .getMessage().contains("encrypted"));
        assertTrue(assertThrows(PrivateKeys.KeyException.class,
                () -> PrivateKeys.decode(Pem.blocks(Pem.encode("ENCRYPTED PRIVATE KEY", new byte[] { 0x30, 0 }))))
                .getMessage().contains("encrypted"));
        assertTrue(assertThrows(PrivateKeys.KeyException.class,
                () -> PrivateKeys.decode(Pem.blocks(Pem.encode("PRIVATE KEY", new byte[] { 0x30, 0x03, 2, 1 }))))
                .getMessage().startsWith("cannot decode private key"));
        byte[] unknownAlgorithm = Der.sequence(Der.integer(0), Der.sequence(Der.oid("1.2.3.4")), Der.octetString(new byte[4]));
        assertTrue(assertThrows(PrivateKeys.KeyException.class,
                () -> PrivateKeys.decode(Pem.blocks(Pem.encode("PRIVATE KEY", unknownAlgorithm))))
                .getMessage().contains("unsupported key algorithm 1.2.3.4"));
    }

    /** PrivateKeyInfo's privateKey OCTET STRING: a PKCS#1 RSAPrivateKey or a SEC1 ECPrivateKey. */
    private static byte[] innerKey(byte[] pkcs8) {
        return Der.read(pkcs8).elements().get(2).content();
    }

    private static byte[] withCurve(byte[] sec1, byte[] curve) {
        List<Der.Value> elements = Der.read(sec1).elements();
        List<byte[]> rebuilt = new java.util.ArrayList<>();
        rebuilt.add(elements.get(0).encoded());
        rebuilt.add(elements.get(1).encoded());
        rebuilt.add(Der.explicit(0, curve));
        for (Der.Value rest : elements.subList(2, elements.size())) {
            if (rest.tag() != 0xa0) {
                rebuilt.add(rest.encoded());
            }
        }
        return Der.sequence(rebuilt);
    }
}
