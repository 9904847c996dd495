package dev.hpa.adapter.pods;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.hpa.adapter.config.ResourceFields;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;
import java.util.Map;

/**
 * The fields of a v1 Pod that the adapter reads, and nothing else: the pod informer's type. fabric8's {@code Pod}
 * reaches some 450 classes (volumes, affinity, probes, each with its builder and fluent), and Jackson builds a
 * deserializer for every one of them at the first list, on the event loop that then serves the first requests:
 * 0.26–0.35 s on an idle core (after Jackson's own warm-up), over a second at a busy start-up, before the first pod
 * is known. These few records take 0.03–0.05 s, and reading a pod skips what it does not need (env, volumes,
 * probes) instead of building objects for it. Where a pod's field is absent, lists are empty and the rest null, as
 * in fabric8's model.
 *
 * <p>Watch events name their object only by kind, so {@link ResourceFields#readAs} makes the client's serialization read a
 * v1 Pod as this wherever a Pod arrives untyped; otherwise each event would be read as a full Pod and converted.
 */
@Group("")
@Version("v1")
@Kind("Pod")
@Plural("pods")
public final class PodFields extends ResourceFields implements Namespaced {

    private Spec spec;
    private Status status;

    public Spec getSpec() {
        return spec;
    }

    public void setSpec(Spec spec) {
        this.spec = spec;
    }

    public Status getStatus() {
        return status;
    }

    public void setStatus(Status status) {
        this.status = status;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Spec(String nodeName, List<Container> containers, List<Container> initContainers) {
        public Spec {
            containers = containers == null ? List.of() : containers;
            initContainers = initContainers == null ? List.of() : initContainers;
        }
    }

    /** @param restartPolicy {@code Always} on an init container that keeps running beside the app (a sidecar) */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Container(String name, List<Port> ports, Resources resources, String restartPolicy) {
        public Container {
            ports = ports == null ? List.of() : ports;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Port(String name, Integer containerPort) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resources(Map<String, Quantity> requests) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Status(String phase, String podIP, List<Condition> conditions) {
        public Status {
            conditions = conditions == null ? List.of() : conditions;
        }
    }

    /** @param lastTransitionTime RFC 3339, as the API server writes it */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Condition(String type, String status, String lastTransitionTime) {}
}
