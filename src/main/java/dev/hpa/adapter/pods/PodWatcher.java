package dev.hpa.adapter.pods;

import dev.hpa.adapter.config.AdapterConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps {@link PodIndex} in step with the cluster through fabric8 informers: one over all namespaces, or one per
 * configured namespace (so the adapter needs list/watch only there).
 */
@ApplicationScoped
public class PodWatcher {

    private static final Logger LOG = Logger.getLogger(PodWatcher.class);

    private final KubernetesClient client;
    private final PodIndex index;
    private final AdapterConfig config;
    private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();

    public PodWatcher(KubernetesClient client, PodIndex index, AdapterConfig config) {
        this.client = client;
        this.index = index;
        this.config = config;
    }

    void start(@Observes StartupEvent start) {
        String selector = config.pods().labelSelector();
        List<String> namespaces = config.pods().namespaces().orElse(List.of());
        if (namespaces.isEmpty()) {
            informers.add(client.pods().inAnyNamespace().withLabelSelector(selector).runnableInformer(0));
        } else {
            for (String ns : namespaces) {
                informers.add(client.pods().inNamespace(ns).withLabelSelector(selector).runnableInformer(0));
            }
        }
        for (SharedIndexInformer<Pod> informer : informers) {
            // Keys and resource versions only (PodKeyStore): a whole Pod costs tens of KB of heap.
            informer.itemStore(new PodKeyStore());
            informer.addEventHandler(new Handler());
            // Start without blocking start-up: /readyz reports the sync, and discovery must answer meanwhile.
            informer.start().whenComplete((ignored, error) -> {
                if (error != null) {
                    LOG.errorf("Watching pods (%s) failed to start: %s. Check the adapter's RBAC for pods list/watch.",
                            selector, error.getMessage());
                }
            });
        }
        LOG.infof("Watching pods matching '%s' in %s", selector,
                namespaces.isEmpty() ? "all namespaces" : "namespaces " + namespaces);
    }

    void stop(@Observes ShutdownEvent stop) {
        informers.forEach(SharedIndexInformer::stop);
    }

    /** True once every informer has listed its pods: before that, answers would miss pods. */
    public boolean synced() {
        return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            index.put(InferencePod.from(pod));
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            index.put(InferencePod.from(pod));
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            index.remove(new PodKey(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        }
    }
}
