package dev.hpa.adapter.kubelet;

import java.util.List;
import java.util.Map;

/**
 * Where a node's kubelet listens, distilled from the node's object.
 *
 * @param address the first of InternalIP, ExternalIP, Hostname (metrics-server's shipped preference), or null
 * @param port    {@code status.daemonEndpoints.kubeletEndpoint.Port}, 10250 when the node does not say
 * @param labels  the node's labels, for NodeMetrics
 */
public record KubeletNode(String name, String address, int port, Map<String, String> labels) {

    static final int DEFAULT_PORT = 10250;
    private static final List<String> ADDRESS_PREFERENCE = List.of("InternalIP", "ExternalIP", "Hostname");

    static KubeletNode from(NodeFields node) {
        NodeFields.Status status = node.getStatus();
        String address = null;
        int port = DEFAULT_PORT;
        if (status != null) {
            for (String type : ADDRESS_PREFERENCE) {
                address = status.addresses().stream().filter(a -> type.equals(a.type()) && a.address() != null
                        && !a.address().isBlank()).map(NodeFields.Address::address).findFirst().orElse(null);
                if (address != null) {
                    break;
                }
            }
            if (status.daemonEndpoints() != null && status.daemonEndpoints().kubeletEndpoint() != null) {
                Integer p = status.daemonEndpoints().kubeletEndpoint().port();
                port = p == null || p <= 0 ? DEFAULT_PORT : p;
            }
        }
        Map<String, String> labels = node.getMetadata().getLabels();
        return new KubeletNode(node.getMetadata().getName(), address, port,
                labels == null ? Map.of() : Map.copyOf(labels));
    }

    /** {@code 10.0.0.5:10250}, for messages; IPv6 addresses in brackets. */
    String where() {
        return (address != null && address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
