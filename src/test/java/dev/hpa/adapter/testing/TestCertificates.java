package dev.hpa.adapter.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Real certificates for tests, made fresh per run: a CA that issues server and client certificates, written as PEM
 * files for the server and turned into JDK {@link SSLContext}s or key stores for clients (REST Assured, HttpClient).
 *
 * <pre>
 * Authority ca = TestCertificates.authority("test-ca");
 * Issued server = ca.issue(Leaf.server("localhost", "127.0.0.1"));
 * PemFiles files = server.writePem(dir, "tls");                      // tls.crt + tls.key (PKCS#8)
 * Issued proxy = ca.issue(Leaf.client("front-proxy-client", "system:masters"));
 * SSLContext mtls = proxy.clientContext(ca);                          // presents proxy, trusts ca
 *
 * // REST Assured takes the trust store as is, and the client key store as a file:
 * SSLConfig.sslConfig().trustStore(ca.trustStore())
 *         .keyStore(proxy.writePkcs12(dir.resolve("proxy.p12")).toFile(), TestCertificates.PASSWORD)
 *         .keystoreType("PKCS12");
 * </pre>
 */
public final class TestCertificates {

    /** Password of every key store and PKCS#12 file made here. */
    public static final String PASSWORD = "changeit";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** Backdates every certificate so a client clock slightly behind the test's still accepts it. */
    private static final Duration BACKDATING = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(2);

    private TestCertificates() {
    }

    public enum KeyType {
        EC, RSA
    }

    /** How a key is written: PKCS#8 "PRIVATE KEY", or traditional: PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY". */
    public enum KeyEncoding {
        PKCS8, TRADITIONAL
    }

    /** A self-signed root CA with an EC P-256 key. */
    public static Authority authority(String commonName) {
        return authority(commonName, KeyType.EC);
    }

    public static Authority authority(String commonName, KeyType keyType) {
        KeyPair keyPair = generateKeyPair(keyType);
        X500Name subject = new X500Name("CN=" + commonName);
        X509Certificate certificate = sign(caBuilder(subject, subject, keyPair, Validity.fromNow()), keyPair.getPrivate());
        return new Authority(certificate, keyPair, List.of());
    }

    /** A JDK TLS context presenting {@code keyStore} (null: no client certificate) and trusting {@code trustStore}. */
    public static SSLContext sslContext(KeyStore keyStore, KeyStore trustStore) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            KeyManager[] keyManagers = null;
            if (keyStore != null) {
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(keyStore, PASSWORD.toCharArray());
                keyManagers = keys.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trust.getTrustManagers(), RANDOM);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A client TLS context that presents {@code certificate} on every handshake, whatever CAs the server lists,
     * and trusts {@code trusted}. The JDK's own key manager offers only certificates from the listed CAs.
     */
    public static SSLContext alwaysPresenting(Issued certificate, Authority trusted) {
        X509Certificate[] chain = certificate.chain().toArray(X509Certificate[]::new);
        javax.net.ssl.X509ExtendedKeyManager keys = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers,
                    java.net.Socket socket) {
                return "client";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                    javax.net.ssl.SSLEngine engine) {
                return "client";
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain;
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return certificate.privateKey();
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return new String[] {"client"};
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers,
                    java.net.Socket socket) {
                return null;
            }
        };
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted.trustStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, trust.getTrustManagers(), RANDOM);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate authority: a root, or an intermediate that carries its chain up to (not including) the root. */
    public static final class Authority {

        private final X509Certificate certificate;
        private final KeyPair keyPair;
        /** Issuers above this authority, nearest first, without the root. */
        private final List<X509Certificate> issuers;

        private Authority(X509Certificate certificate, KeyPair keyPair, List<X509Certificate> issuers) {
            this.certificate = certificate;
            this.keyPair = keyPair;
            this.issuers = List.copyOf(issuers);
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public PrivateKey privateKey() {
            return keyPair.getPrivate();
        }

        /** An intermediate CA issued by this one; what it issues carries the intermediate in its chain. */
        public Authority intermediate(String commonName) {
            KeyPair intermediateKeys = generateKeyPair(KeyType.EC);
            X509v3CertificateBuilder builder = caBuilder(subject(), new X500Name("CN=" + commonName), intermediateKeys,
                    Validity.fromNow());
            addAuthorityKeyIdentifier(builder, certificate);
            List<X509Certificate> chainAbove = new ArrayList<>();
            if (!isRoot()) {
                chainAbove.add(certificate);
                chainAbove.addAll(issuers);
            }
            return new Authority(sign(builder, keyPair.getPrivate()), intermediateKeys, chainAbove);
        }

        public Issued issue(Leaf leaf) {
            KeyPair leafKeys = generateKeyPair(leaf.keyType());
            Validity validity = leaf.expired() ? Validity.expiredYesterday() : Validity.fromNow();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject(), serial(),
                    validity.notBefore(), validity.notAfter(), leaf.subject(), leafKeys.getPublic());
            addLeafExtensions(builder, leaf, leafKeys);
            addAuthorityKeyIdentifier(builder, certificate);
            List<X509Certificate> chain = new ArrayList<>(List.of(sign(builder, keyPair.getPrivate())));
            if (!isRoot()) {
                chain.add(certificate);
                chain.addAll(issuers);
            }
            return new Issued(chain, leafKeys.getPrivate());
        }

        /** This CA's certificate as PEM, e.g. for a client-CA file or an APIService caBundle. */
        public String certificatePem() {
            return pem(certificate);
        }

        public Path writeCertificate(Path file) {
            return write(file, certificatePem());
        }

        /** A trust store holding this CA only. */
        public KeyStore trustStore() {
            KeyStore store = emptyPkcs12();
            try {
                store.setCertificateEntry("ca", certificate);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            return store;
        }

        /** A client context that trusts this CA and presents no certificate. */
        public SSLContext trustingContext() {
            return sslContext(null, trustStore());
        }

        private X500Name subject() {
            return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        }

        private boolean isRoot() {
            return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
        }
    }

    /**
     * What goes into an end-entity certificate. Kubernetes reads a client's user name from CN and its groups from
     * the O attributes, so {@link #client} puts them there.
     */
    public record Leaf(String commonName, List<String> organizations, List<String> subjectAlternativeNames,
            KeyPurposeId extendedKeyUsage, KeyType keyType, boolean expired) {

        public Leaf {
            organizations = List.copyOf(organizations);
            subjectAlternativeNames = List.copyOf(subjectAlternativeNames);
        }

        /** A TLS server certificate for these DNS names and IP literals; the first one is also the CN. */
        public static Leaf server(String... subjectAlternativeNames) {
            return new Leaf(subjectAlternativeNames[0], List.of(), List.of(subjectAlternativeNames),
                    KeyPurposeId.id_kp_serverAuth, KeyType.EC, false);
        }

        /** A TLS client certificate for user {@code commonName} in {@code groups}. */
        public static Leaf client(String commonName, String... groups) {
            return new Leaf(commonName, List.of(groups), List.of(), KeyPurposeId.id_kp_clientAuth, KeyType.EC, false);
        }

        public Leaf withKeyType(KeyType type) {
            return new Leaf(commonName, organizations, subjectAlternativeNames, extendedKeyUsage, type, expired);
        }

        /** Valid only until yesterday, so any verifier rejects it. */
        public Leaf asExpired() {
            return new Leaf(commonName, organizations, subjectAlternativeNames, extendedKeyUsage, keyType, true);
        }

        X500Name subject() {
            X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
            organizations.forEach(organization -> name.addRDN(BCStyle.O, organization));
            name.addRDN(BCStyle.CN, commonName);
            return name.build();
        }
    }

    /** An issued certificate with its key; {@link #chain()} is leaf first, then intermediates, never the root. */
    public record Issued(List<X509Certificate> chain, PrivateKey privateKey) {

        public Issued {
            chain = List.copyOf(chain);
        }

        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** Writes {@code <name>.crt} (the chain) and {@code <name>.key} (PKCS#8) into {@code directory}. */
        public PemFiles writePem(Path directory, String name) {
            return writePem(directory, name, KeyEncoding.PKCS8);
        }

        public PemFiles writePem(Path directory, String name, KeyEncoding encoding) {
            Path certFile = write(directory.resolve(name + ".crt"), chainPem());
            Path keyFile = write(directory.resolve(name + ".key"), privateKeyPem(encoding));
            return new PemFiles(certFile, keyFile);
        }

        public String chainPem() {
            StringBuilder pem = new StringBuilder();
            chain.forEach(certificate -> pem.append(pem(certificate)));
            return pem.toString();
        }

        public String privateKeyPem(KeyEncoding encoding) {
            try {
                if (encoding == KeyEncoding.PKCS8) {
                    return pemOf(new JcaPKCS8Generator(privateKey, null));
                }
                // JcaPEMWriter writes an RSA key as PKCS#1, but an EC key without its curve, which no reader accepts.
                return privateKey.getAlgorithm().equals("EC")
                        ? pemOf(new PemObject("EC PRIVATE KEY", sec1()))
                        : pemOf(privateKey);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** SEC1 ECPrivateKey as openssl writes it: the named curve and the public key included. */
        private byte[] sec1() throws IOException {
            PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(privateKey.getEncoded());
            ECPrivateKey bare = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
            ASN1Encodable curve = pkcs8.getPrivateKeyAlgorithm().getParameters();
            SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(certificate().getPublicKey().getEncoded());
            int orderBits = ((java.security.interfaces.ECPrivateKey) privateKey).getParams().getOrder().bitLength();
            return new ECPrivateKey(orderBits, bare.getKey(), publicKey.getPublicKeyData(), curve).getEncoded();
        }

        /** A PKCS#12 key store with this certificate and key, guarded by {@link TestCertificates#PASSWORD}. */
        public KeyStore keyStore() {
            KeyStore store = emptyPkcs12();
            try {
                store.setKeyEntry("key", privateKey, PASSWORD.toCharArray(), chain.toArray(X509Certificate[]::new));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            return store;
        }

        /** The key store as a PKCS#12 file, for APIs that take a path (REST Assured's {@code keyStore(path, PASSWORD)}). */
        public Path writePkcs12(Path file) {
            try (OutputStream out = Files.newOutputStream(file)) {
                keyStore().store(out, PASSWORD.toCharArray());
                return file;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A client context that presents this certificate and trusts {@code trusted}. */
        public SSLContext clientContext(Authority trusted) {
            return sslContext(keyStore(), trusted.trustStore());
        }
    }

    /** Where {@link Issued#writePem} put the certificate chain and the key. */
    public record PemFiles(Path certFile, Path keyFile) {
    }

    private static X509v3CertificateBuilder caBuilder(X500Name issuer, X500Name subject, KeyPair keyPair,
            Validity validity) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(),
                    validity.notBefore(), validity.notAfter(), subject, keyPair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
            return builder;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void addLeafExtensions(X509v3CertificateBuilder builder, Leaf leaf, KeyPair keyPair) {
        // RSA key exchange in TLS 1.2 encrypts to the key, so RSA leaves also need keyEncipherment.
        int usage = leaf.keyType() == KeyType.RSA ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                : KeyUsage.digitalSignature;
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(leaf.extendedKeyUsage()));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
            if (!leaf.subjectAlternativeNames().isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        subjectAlternativeNames(leaf.subjectAlternativeNames()));
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void addAuthorityKeyIdentifier(X509v3CertificateBuilder builder, X509Certificate issuer) {
        try {
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GeneralNames subjectAlternativeNames(List<String> names) {
        return new GeneralNames(names.stream()
                .map(name -> new GeneralName(isIpLiteral(name) ? GeneralName.iPAddress : GeneralName.dNSName, name))
                .toArray(GeneralName[]::new));
    }

    private static boolean isIpLiteral(String name) {
        return name.contains(":") || IPV4.matcher(name).matches();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generateKeyPair(KeyType type) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.name());
            if (type == KeyType.EC) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Validity(Date notBefore, Date notAfter) {

        static Validity fromNow() {
            Instant now = Instant.now();
            return new Validity(Date.from(now.minus(BACKDATING)), Date.from(now.plus(VALIDITY)));
        }

        static Validity expiredYesterday() {
            Instant now = Instant.now();
            return new Validity(Date.from(now.minus(Duration.ofDays(3))), Date.from(now.minus(Duration.ofDays(1))));
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static KeyStore emptyPkcs12() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One certificate as PEM text. */
    public static String pem(X509Certificate certificate) {
        try {
            return pemOf(certificate);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pemOf(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
    }
}
