package dev.hpa.adapter.pods;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The watched inference pods, by namespace. The informer writes it; the scrape scheduler and the API read it.
 * Reads never copy the whole set: a request for one namespace touches only that namespace's pods.
 */
@ApplicationScoped
public class PodIndex {

    private final Map<String, Map<String, InferencePod>> byNamespace = new ConcurrentHashMap<>();
    private final Event<PodChange> changes;

    @Inject
    public PodIndex(Event<PodChange> changes) {
        this.changes = changes;
    }

    public void put(InferencePod pod) {
        byNamespace.computeIfAbsent(pod.key().namespace(), ns -> new ConcurrentHashMap<>())
                .put(pod.key().name(), pod);
        changes.fire(new PodChange(pod.key(), pod));
    }

    public void remove(PodKey key) {
        Map<String, InferencePod> pods = byNamespace.get(key.namespace());
        if (pods != null && pods.remove(key.name()) != null) {
            changes.fire(new PodChange(key, null));
        }
    }

    public InferencePod get(PodKey key) {
        Map<String, InferencePod> pods = byNamespace.get(key.namespace());
        return pods == null ? null : pods.get(key.name());
    }

    /** The pods of one namespace; a live view, safe to iterate while the informer writes. */
    public Collection<InferencePod> inNamespace(String namespace) {
        Map<String, InferencePod> pods = byNamespace.get(namespace);
        return pods == null ? List.of() : pods.values();
    }

    /** The namespaces that have watched pods, for requests across all namespaces. */
    public Collection<String> namespaces() {
        return byNamespace.keySet();
    }

    public int size() {
        return byNamespace.values().stream().mapToInt(Map::size).sum();
    }

    public long readyCount() {
        return byNamespace.values().stream().flatMap(m -> m.values().stream()).filter(InferencePod::ready).count();
    }
}
