package dev.hpa.adapter.kubelet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
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
 * #readAsThis} has watch events read a Node as this rather than as a Node converted after.
 */
@Group("")
@Version("v1")
@Kind("Node")
@Plural("nodes")
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonDeserialize(using = JsonDeserializer.None.class) // as a bean: KubernetesResource's own deserializer goes by kind
public final class NodeFields implements HasMetadata {

    private String apiVersion = "v1";
    private ObjectMeta metadata;
    private Status status;

    /** Reads every untyped v1 Node of {@code serialization} (watch events) as NodeFields. */
    static void readAsThis(KubernetesSerialization serialization) {
        serialization.registerKubernetesResource("v1", "Node", NodeFields.class);
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

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
