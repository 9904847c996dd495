package dev.hpa.adapter.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.hpa.adapter.testing.TestCertificates;
import dev.hpa.adapter.testing.TestCertificates.Authority;
import dev.hpa.adapter.testing.TestCertificates.Issued;
import dev.hpa.adapter.testing.TestCertificates.KeyEncoding;
import dev.hpa.adapter.testing.TestCertificates.KeyType;
import dev.hpa.adapter.testing.TestCertificates.Leaf;

class ServingCertificateTest {

    private static final String CERT = "adapter.tls.cert-file /tls/tls.crt";
    private static final String KEY = "adapter.tls.key-file /tls/tls.key";
    /** What {@code openssl ecparam -genkey} writes before the SEC1 key: the named curve prime256v1. */
    private static final String EC_PARAMETERS = """
            -----BEGIN EC PARAMETERS-----
            BggqhkjOPQMBBw==
            -----END EC PARAMETERS-----
            """;

    private static final Authority CA = TestCertificates.authority("serving-test-ca");

    static Stream<Arguments> keyEncodings() {
        return Stream.of(
                Arguments.of("PKCS#1 RSA, as cert-manager writes by default", KeyType.RSA, KeyEncoding.TRADITIONAL),
                Arguments.of("PKCS#8 RSA", KeyType.RSA, KeyEncoding.PKCS8),
                Arguments.of("PKCS#8 EC", KeyType.EC, KeyEncoding.PKCS8),
                Arguments.of("SEC1 EC", KeyType.EC, KeyEncoding.TRADITIONAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyEncodings")
    void decodesEveryCommonKeyEncoding(String encodingName, KeyType keyType, KeyEncoding encoding) throws Exception {
        Issued server = CA.issue(Leaf.server("localhost", "127.0.0.1").withKeyType(keyType));

        ServingCertificate decoded = decode(server.chainPem(), server.privateKeyPem(encoding));

        assertEquals(server.certificate(), decoded.leaf());
        assertTrue(signsFor(decoded.privateKey(), server.certificate()));
        KeyStore store = decoded.keyStore();
        assertEquals(server.certificate(), store.getCertificate(ServingCertificate.KEY_STORE_ALIAS));
        PrivateKey stored = (PrivateKey) store.getKey(ServingCertificate.KEY_STORE_ALIAS,
                ServingCertificate.keyStorePassword());
        assertTrue(signsFor(stored, server.certificate()));
    }

    @Test
    void skipsTheEcParametersBlockOpensslWritesBeforeASec1Key() {
        Issued server = CA.issue(Leaf.server("localhost"));

        String keyPem = EC_PARAMETERS + server.privateKeyPem(KeyEncoding.TRADITIONAL);

        ServingCertificate decoded = decode(server.chainPem(), keyPem);

        assertEquals(server.certificate(), decoded.leaf());
    }

    @Test
    void putsTheLeafFirstThenItsIssuersAndDropsStrangers() throws Exception {
        Authority intermediate = CA.intermediate("serving-intermediate");
        Issued server = intermediate.issue(Leaf.server("localhost"));
        String caFirst = CA.certificatePem() + TestCertificates.authority("unrelated").certificatePem()
                + pem(intermediate.certificate()) + pem(server.certificate());

        ServingCertificate decoded = decode(caFirst, server.privateKeyPem(KeyEncoding.PKCS8));

        assertEquals(List.of("CN=localhost", "CN=serving-intermediate", "CN=serving-test-ca"),
                decoded.chain().stream().map(c -> c.getSubjectX500Principal().getName()).toList());
        Certificate[] stored = decoded.keyStore().getCertificateChain(ServingCertificate.KEY_STORE_ALIAS);
        assertEquals(server.certificate(), stored[0]);
    }

    @Test
    void keepsAChainThatIsAlreadyInOrder() {
        Authority intermediate = CA.intermediate("serving-intermediate");
        Issued server = intermediate.issue(Leaf.server("localhost"));

        ServingCertificate decoded = decode(server.chainPem(), server.privateKeyPem(KeyEncoding.PKCS8));

        assertEquals(server.chain(), decoded.chain());
    }

    @Test
    void fingerprintIsTheSha256OfTheLeafInOpensslNotation() throws Exception {
        Issued server = CA.issue(Leaf.server("localhost"));
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(server.certificate().getEncoded());

        ServingCertificate decoded = decode(server.chainPem(), server.privateKeyPem(KeyEncoding.PKCS8));

        assertEquals(HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest), decoded.sha256Fingerprint());
        assertEquals(List.of("localhost"), decoded.subjectAlternativeNames());
    }

    static Stream<Arguments> unusableFiles() {
        Issued server = CA.issue(Leaf.server("localhost"));
        Issued other = CA.issue(Leaf.server("localhost"));
        String chain = server.chainPem();
        String key = server.privateKeyPem(KeyEncoding.PKCS8);
        return Stream.of(
                Arguments.of("garbage certificate file", "not a certificate\n", key,
                        CERT + ": no PEM CERTIFICATE block found"),
                Arguments.of("empty certificate file", "", key, CERT + ": no PEM CERTIFICATE block found"),
                Arguments.of("key where the certificate should be", key, key, CERT + ": no PEM CERTIFICATE block found"),
                Arguments.of("broken base64 in the certificate",
                        "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n", key, CERT + ": not valid PEM"),
                Arguments.of("garbage key file", chain, "garbage", KEY + ": expected one PEM private key"),
                Arguments.of("certificate where the key should be", chain, chain, KEY + ": expected one PEM private key"),
                Arguments.of("two keys", chain, key + key, KEY + ": expected one PEM private key"),
                Arguments.of("key of another certificate", chain, other.privateKeyPem(KeyEncoding.PKCS8),
                        KEY + ": the private key matches no certificate in " + CERT),
                Arguments.of("encrypted key", chain, encrypted(server),
                        KEY + ": the private key is encrypted"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableFiles")
    void namesTheFileAndTheProblem(String caseName, String certPem, String keyPem, String expectedMessageStart) {
        ServingCertificateException failure = assertThrows(ServingCertificateException.class,
                () -> decode(certPem, keyPem));

        assertTrue(failure.getMessage().startsWith(expectedMessageStart), failure.getMessage());
    }

    private static ServingCertificate decode(String certPem, String keyPem) {
        return ServingCertificate.fromPem(CERT, certPem.getBytes(US_ASCII), KEY, keyPem.getBytes(US_ASCII));
    }

    private static boolean signsFor(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] message = "proof of possession".getBytes(US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(message);
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(message);
        return verifier.verify(signer.sign());
    }

    private static String pem(X509Certificate certificate) {
        return TestCertificates.pem(certificate);
    }

    private static String encrypted(Issued server) {
        try {
            OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.PBE_SHA1_3DES)
                    .setPassword("secret".toCharArray()).build();
            StringWriter text = new StringWriter();
            try (PemWriter writer = new PemWriter(text)) {
                writer.writeObject(new JcaPKCS8Generator(server.privateKey(), encryptor));
            }
            return text.toString();
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
