package dev.hpa.adapter.certificates;

import dev.hpa.adapter.tls.SelfSignedNames;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The names the self-managed serving certificate carries: the Service as kube-apiserver dials it
 * ({@code <service>.<namespace>.svc}), its long form, and loopback, so that a port-forward can be verified against
 * the same CA ({@code kubectl --server https://localhost:6443 --certificate-authority ca.crt}).
 */
record ServingNames(List<String> dnsNames, List<String> ipAddresses) {

    ServingNames {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    static ServingNames of(String serviceName, String namespace) {
        List<String> dnsNames = new ArrayList<>(SelfSignedNames.serviceDnsNames(serviceName, namespace));
        dnsNames.add("localhost");
        return new ServingNames(dnsNames, List.of("127.0.0.1", "::1"));
    }

    /** Every name as {@link java.security.cert.X509Certificate#getSubjectAlternativeNames()} spells it. */
    List<String> all() {
        List<String> all = new ArrayList<>(dnsNames);
        for (String address : ipAddresses) {
            try {
                all.add(InetAddress.getByName(address).getHostAddress()); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + address, e);
            }
        }
        return all;
    }
}
