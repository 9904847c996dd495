package dev.hpa.adapter.pods;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.config.ResourceFields;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
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
    private final Clock clock;
    private final List<SharedIndexInformer<PodFields>> informers = new ArrayList<>();
    /** When every informer had first listed its pods (clock millis), or -1 before. */
    private volatile long syncedAt = -1;
    /** The pods the first lists held: what a replica must have read before it serves (scrape/ReplicaReadiness). */
    private volatile Set<PodKey> listedAtSync = Set.of();

    public PodWatcher(KubernetesClient client, PodIndex index, AdapterConfig config, Clock clock) {
        this.client = client;
        this.index = index;
        this.config = config;
        this.clock = clock;
    }

    public void start(@Observes StartupEvent start) {
        String selector = config.pods().labelSelector();
        List<String> namespaces = config.pods().namespaces().orElse(List.of());
        ResourceFields.readAs(client.getKubernetesSerialization(), PodFields.class);
        var pods = client.resources(PodFields.class);
        if (namespaces.isEmpty()) {
            informers.add(pods.inAnyNamespace().withLabelSelector(selector).runnableInformer(0));
        } else {
            for (String ns : namespaces) {
                informers.add(pods.inNamespace(ns).withLabelSelector(selector).runnableInformer(0));
            }
        }
        for (SharedIndexInformer<PodFields> informer : informers) {
            // Keys and resource versions only (PodKeyStore): a real pod's object costs KBs of heap.
            informer.itemStore(new PodKeyStore());
            informer.addEventHandler(new Handler());
        }
        // Started without blocking start-up: /readyz reports the sync, and discovery must answer meanwhile.
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (SharedIndexInformer<PodFields> informer : informers) {
            starts.add(informer.start().whenComplete((ignored, error) -> {
                if (error != null) {
                    LOG.errorf("Watching pods (%s) failed to start: %s. Check the adapter's RBAC for pods list/watch.",
                            selector, error.getMessage());
                }
            }).toCompletableFuture());
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).thenRun(() -> {
            listedAtSync = informers.stream().flatMap(i -> i.getStore().listKeys().stream()).map(PodWatcher::key)
                    .collect(Collectors.toUnmodifiableSet());
            syncedAt = clock.millis();
        });
        LOG.infof("Watching pods matching '%s' in %s", selector,
                namespaces.isEmpty() ? "all namespaces" : "namespaces " + namespaces);
    }

    public void stop(@Observes ShutdownEvent stop) {
        informers.forEach(SharedIndexInformer::stop);
    }

    /** True once every informer has listed its pods: before that, answers would miss pods. */
    public boolean synced() {
        return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** When every informer had first listed its pods, in clock millis; empty before. */
    public OptionalLong syncedAt() {
        long at = syncedAt;
        return at < 0 ? OptionalLong.empty() : OptionalLong.of(at);
    }

    /** The pods the informers' first lists held; empty before they synced. */
    public Set<PodKey> listedAtSync() {
        return listedAtSync;
    }

    /**
     * True while an informer holds the pod. The informer hands its pods to {@link PodIndex} a moment after it
     * stored them, so a pod listed here but not yet in the index is on its way, and one gone from here was deleted.
     */
    public boolean listed(PodKey key) {
        String storeKey = key.namespace() + "/" + key.name();
        return informers.stream().anyMatch(i -> i.getStore().getByKey(storeKey) != null);
    }

    /** The informer store's key, namespace/name. */
    private static PodKey key(String storeKey) {
        int slash = storeKey.indexOf('/');
        return new PodKey(storeKey.substring(0, slash), storeKey.substring(slash + 1));
    }

    private final class Handler implements ResourceEventHandler<PodFields> {
        @Override
        public void onAdd(PodFields pod) {
            index.put(InferencePod.from(pod));
        }

        @Override
        public void onUpdate(PodFields old, PodFields pod) {
            index.put(InferencePod.from(pod));
        }

        @Override
        public void onDelete(PodFields pod, boolean finalStateUnknown) {
            index.remove(new PodKey(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        }
    }
}
