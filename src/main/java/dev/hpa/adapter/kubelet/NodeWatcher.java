package dev.hpa.adapter.kubelet;

import dev.hpa.adapter.config.ResourceFields;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Keeps the address of every node's kubelet, through a node informer: the kubelets to read are those of nodes
 * that run a watched pod, and a node's address or port can change while it runs.
 */
@ApplicationScoped
public class NodeWatcher {

    private static final Logger LOG = Logger.getLogger(NodeWatcher.class);

    private final KubernetesClient client;
    private final Event<NodeChange> changes;
    private final Map<String, KubeletNode> nodes = new ConcurrentHashMap<>();
    private SharedIndexInformer<NodeFields> informer;

    public NodeWatcher(KubernetesClient client, Event<NodeChange> changes) {
        this.client = client;
        this.changes = changes;
    }

    void start(@Observes StartupEvent start) {
        ResourceFields.readAs(client.getKubernetesSerialization(), NodeFields.class);
        // What the informer reads and caches is only what KubeletNode needs (NodeFields): a Node object is mostly
        // its image list (tens of KB on a GPU node), and a cluster can have thousands.
        informer = client.resources(NodeFields.class).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(NodeFields node) {
                put(KubeletNode.from(node));
            }

            @Override
            public void onUpdate(NodeFields old, NodeFields node) {
                put(KubeletNode.from(node));
            }

            @Override
            public void onDelete(NodeFields node, boolean finalStateUnknown) {
                String name = node.getMetadata().getName();
                if (nodes.remove(name) != null) {
                    changes.fire(new NodeChange(name, null));
                }
            }
        });
        informer.start().whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.errorf("Watching nodes failed to start, so no pod has a CPU value: %s. Check the adapter's "
                        + "RBAC for nodes get/list/watch.", error.getMessage());
            }
        });
    }

    void stop(@Observes ShutdownEvent stop) {
        if (informer != null) {
            informer.stop();
        }
    }

    private void put(KubeletNode node) {
        // Node status is updated every few seconds (heartbeats); only a move of the kubelet is news.
        KubeletNode previous = nodes.put(node.name(), node);
        if (!node.equals(previous)) {
            changes.fire(new NodeChange(node.name(), node));
        }
    }

    /** The node's kubelet, or null when the node is unknown. */
    public KubeletNode get(String name) {
        return nodes.get(name);
    }

    public boolean synced() {
        return informer != null && informer.hasSynced();
    }
}
