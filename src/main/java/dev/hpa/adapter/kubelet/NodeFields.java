package dev.hpa.adapter.kubelet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hpa.adapter.config.ResourceFields;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * The fields of a v1 Node that say where its kubelet listens, and nothing else: the node informer's type, and so
 * its cache. A Node object is mostly its image list (tens of KB on a GPU node), which is now skipped while reading
 * instead of read into fabric8's model (a graph of a hundred classes whose deserializers Jackson builds at the first
 * list) and then reduced to a map for the cache. As with the pods (dev.hpa.adapter.pods.PodFields), {@link
 * ResourceFields#readAs} has watch events read a Node as this rather than as a Node converted after.
 */
@Group("")
@Version("v1")
@Kind("Node")
@Plural("nodes")
public final class NodeFields extends ResourceFields {

    private Status status;

    public Status getStatus() {
        return status;
    }

    public void setStatus(Status status) {
        this.status = status;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Status(List<Address> addresses, DaemonEndpoints daemonEndpoints) {
        public Status {
            addresses = addresses == null ? List.of() : addresses;
        }
    }

    /** @param type InternalIP, ExternalIP, Hostname, … */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Address(String type, String address) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DaemonEndpoints(Endpoint kubeletEndpoint) {}

    /** @param port spelled {@code Port} in the API, as Go's field name */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Endpoint(@JsonProperty("Port") Integer port) {}
}
