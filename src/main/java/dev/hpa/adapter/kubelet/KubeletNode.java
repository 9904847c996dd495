package dev.hpa.adapter.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeStatus;
import java.util.List;
import java.util.Map;

/**
 * Where a node's kubelet listens, distilled from the Node object.
 *
 * @param address the first of InternalIP, ExternalIP, Hostname (metrics-server's shipped preference), or null
 * @param port    {@code status.daemonEndpoints.kubeletEndpoint.Port}, 10250 when the node does not say
 * @param labels  the node's labels, for NodeMetrics
 */
public record KubeletNode(String name, String address, int port, Map<String, String> labels) {

    static final int DEFAULT_PORT = 10250;
    private static final List<String> ADDRESS_PREFERENCE = List.of("InternalIP", "ExternalIP", "Hostname");

    static KubeletNode from(Node node) {
        NodeStatus status = node.getStatus();
        String address = null;
        int port = DEFAULT_PORT;
        if (status != null) {
            List<NodeAddress> addresses = status.getAddresses();
            for (String type : ADDRESS_PREFERENCE) {
                address = addresses.stream().filter(a -> type.equals(a.getType()) && a.getAddress() != null
                        && !a.getAddress().isBlank()).map(NodeAddress::getAddress).findFirst().orElse(null);
                if (address != null) {
                    break;
                }
            }
            if (status.getDaemonEndpoints() != null && status.getDaemonEndpoints().getKubeletEndpoint() != null) {
                Integer p = status.getDaemonEndpoints().getKubeletEndpoint().getPort();
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
