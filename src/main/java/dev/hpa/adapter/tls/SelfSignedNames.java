package dev.hpa.adapter.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names a generated certificate is issued for: loopback, this host, and the in-cluster Service names that
 * kube-apiserver dials (it verifies {@code <service>.<namespace>.svc} when the APIService has a caBundle).
 */
public record SelfSignedNames(List<String> dnsNames, List<String> ipAddresses) {

    public static final String SERVICE_NAME_ENV = "ADAPTER_SERVICE_NAME";
    public static final String NAMESPACE_ENV = "POD_NAMESPACE";

    public SelfSignedNames {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    /** Names for this process: its host name and the Service named by the environment. */
    public static SelfSignedNames ofThisHost() {
        return of(hostName(), System.getenv());
    }

    static SelfSignedNames of(Optional<String> hostName, Map<String, String> environment) {
        List<String> dnsNames = new ArrayList<>(List.of("localhost"));
        hostName.filter(name -> !dnsNames.contains(name)).ifPresent(dnsNames::add);
        Optional<String> service = nonBlank(environment.get(SERVICE_NAME_ENV));
        Optional<String> namespace = nonBlank(environment.get(NAMESPACE_ENV));
        if (service.isPresent() && namespace.isPresent()) {
            String serviceName = service.get() + "." + namespace.get() + ".svc";
            dnsNames.add(serviceName);
            dnsNames.add(serviceName + ".cluster.local");
        }
        return new SelfSignedNames(dnsNames, List.of("127.0.0.1", "::1"));
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
