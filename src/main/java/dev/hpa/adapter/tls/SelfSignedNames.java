package dev.hpa.adapter.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The names a generated certificate is issued for: loopback, this host, and the in-cluster Service names that
 * kube-apiserver dials (it verifies {@code <service>.<namespace>.svc} when the APIService has a caBundle).
 */
public record SelfSignedNames(List<String> dnsNames, List<String> ipAddresses) {

    /** Set by the Deployment from the downward API: the namespace the adapter runs in. */
    public static final String NAMESPACE_ENV = "POD_NAMESPACE";

    public SelfSignedNames {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    /** Names for this process: its host name and, inside a pod, the Service in front of it. */
    public static SelfSignedNames ofThisHost(String serviceName) {
        return of(hostName(), serviceName, podNamespace());
    }

    static SelfSignedNames of(Optional<String> hostName, String serviceName, Optional<String> namespace) {
        List<String> dnsNames = new ArrayList<>(List.of("localhost"));
        hostName.filter(name -> !dnsNames.contains(name)).ifPresent(dnsNames::add);
        namespace.ifPresent(ns -> dnsNames.addAll(serviceDnsNames(serviceName, ns)));
        return new SelfSignedNames(dnsNames, List.of("127.0.0.1", "::1"));
    }

    /** What kube-apiserver dials for an APIService ({@code <service>.<namespace>.svc}), and its long form. */
    public static List<String> serviceDnsNames(String serviceName, String namespace) {
        String serviceDns = serviceName + "." + namespace + ".svc";
        return List.of(serviceDns, serviceDns + ".cluster.local");
    }

    /** The namespace the Deployment tells the adapter it runs in. */
    public static Optional<String> podNamespace() {
        return nonBlank(System.getenv(NAMESPACE_ENV));
    }

    private static Optional<String> hostName() {
        // In a pod HOSTNAME is the pod name; asking the resolver could block on DNS at start-up.
        Optional<String> fromEnvironment = nonBlank(System.getenv("HOSTNAME"));
        if (fromEnvironment.isPresent()) {
            return fromEnvironment;
        }
        try {
            return nonBlank(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).map(String::trim).filter(trimmed -> !trimmed.isEmpty());
    }
}
