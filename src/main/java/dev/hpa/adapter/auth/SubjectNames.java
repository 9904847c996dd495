package dev.hpa.adapter.auth;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The parts of a certificate subject Kubernetes reads, with Go's {@code pkix.Name} semantics: the common name is
 * the last CN attribute, the organizations are all O attributes in certificate order. Values are the plain
 * strings, not RFC 2253 text with its escapes, so that {@code O=a\,b} is the group "a,b".
 */
final class SubjectNames {

    private SubjectNames() {
    }

    /** The subject's common name, or "" when it has none. */
    static String commonName(X509Certificate certificate) {
        List<String> names = values(certificate, BCStyle.CN);
        return names.isEmpty() ? "" : names.get(names.size() - 1);
    }

    static List<String> organizations(X509Certificate certificate) {
        return values(certificate, BCStyle.O);
    }

    private static List<String> values(X509Certificate certificate, ASN1ObjectIdentifier type) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        List<String> values = new ArrayList<>();
        for (RDN rdn : subject.getRDNs()) {
            for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                if (attribute.getType().equals(type)) {
                    values.add(text(attribute.getValue()));
                }
            }
        }
        return values;
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String string ? string.getString() : IETFUtils.valueToString(value);
    }
}
