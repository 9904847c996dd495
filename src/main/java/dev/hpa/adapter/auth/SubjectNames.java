package dev.hpa.adapter.auth;

import dev.hpa.adapter.x509.Der;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The parts of a certificate subject Kubernetes reads, with Go's {@code pkix.Name} semantics: the common name is
 * the last CN attribute, the organizations are all O attributes in certificate order. Values are the plain
 * strings, not RFC 2253 text with its escapes, so that {@code O=a\,b} is the group "a,b".
 */
final class SubjectNames {

    private static final String COMMON_NAME = "2.5.4.3";
    private static final String ORGANIZATION = "2.5.4.10";
    private static final Charset UTF_32BE = Charset.forName("UTF-32BE");

    private SubjectNames() {
    }

    /** The subject's common name, or "" when it has none. */
    static String commonName(X509Certificate certificate) {
        List<String> names = values(certificate, COMMON_NAME);
        return names.isEmpty() ? "" : names.get(names.size() - 1);
    }

    static List<String> organizations(X509Certificate certificate) {
        return values(certificate, ORGANIZATION);
    }

    /** Name ::= SEQUENCE OF RelativeDistinguishedName ::= SET OF SEQUENCE { type OID, value ANY }. */
    private static List<String> values(X509Certificate certificate, String type) {
        List<String> values = new ArrayList<>();
        Der.Value name = Der.read(certificate.getSubjectX500Principal().getEncoded());
        for (Der.Value rdn : name.expect(Der.SEQUENCE).elements()) {
            for (Der.Value attribute : rdn.expect(Der.SET).elements()) {
                List<Der.Value> typeAndValue = attribute.expect(Der.SEQUENCE).elements();
                if (typeAndValue.size() == 2 && typeAndValue.get(0).oid().equals(type)) {
                    values.add(text(typeAndValue.get(1)));
                }
            }
        }
        return values;
    }

    /** The string types X.520 allows, decoded as Go's asn1 does; anything else as RFC 4514's {@code #hex}. */
    private static String text(Der.Value value) {
        return switch (value.tag()) {
            case Der.UTF8_STRING -> new String(value.content(), StandardCharsets.UTF_8);
            case Der.PRINTABLE_STRING, Der.IA5_STRING, Der.NUMERIC_STRING, Der.VISIBLE_STRING ->
                    new String(value.content(), StandardCharsets.US_ASCII);
            case Der.TELETEX_STRING -> new String(value.content(), StandardCharsets.ISO_8859_1);
            case Der.BMP_STRING -> new String(value.content(), StandardCharsets.UTF_16BE);
            case Der.UNIVERSAL_STRING -> new String(value.content(), UTF_32BE);
            default -> "#" + HexFormat.of().formatHex(value.encoded());
        };
    }
}
