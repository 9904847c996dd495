package dev.hpa.adapter.pods;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The pod informer's own cache, holding no more than a relist compares: each pod's key and resource version.
 * Events carry pods and {@link PodIndex} keeps what answers need of them, so a pod's object is never kept.
 * fabric8's ReducedStateItemStore does the same by converting each pod to a map through Jackson's reflection, which
 * was the heaviest work of the first list at start-up (seconds of a blocked event loop on a busy node) and of every
 * update after; this reads three fields.
 * What it gives back is a pod with only name, namespace and resource version: what a delete event and the relist's
 * "changed?" check read.
 */
final class PodKeyStore implements ItemStore<PodFields> {

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(String namespace, String name, String resourceVersion) {
        PodFields restore() {
            ObjectMeta meta = new ObjectMeta();
            meta.setNamespace(namespace);
            meta.setName(name);
            meta.setResourceVersion(resourceVersion);
            PodFields pod = new PodFields();
            pod.setMetadata(meta);
            return pod;
        }
    }

    /** fabric8's namespace/name key (Cache.metaNamespaceKeyFunc). */
    @Override
    public String getKey(PodFields pod) {
        ObjectMeta meta = pod.getMetadata();
        String namespace = meta.getNamespace();
        return namespace == null || namespace.isEmpty() ? meta.getName() : namespace + "/" + meta.getName();
    }

    @Override
    public PodFields put(String key, PodFields pod) {
        ObjectMeta meta = pod.getMetadata();
        return restore(entries.put(key, new Entry(meta.getNamespace(), meta.getName(), meta.getResourceVersion())));
    }

    @Override
    public PodFields remove(String key) {
        return restore(entries.remove(key));
    }

    @Override
    public Stream<String> keySet() {
        return entries.keySet().stream();
    }

    @Override
    public Stream<PodFields> values() {
        return entries.values().stream().map(Entry::restore);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public PodFields get(String key) {
        return restore(entries.get(key));
    }

    /** Not the whole objects: the informer must not hand these to anyone who expects a whole pod. */
    @Override
    public boolean isFullState() {
        return false;
    }

    private static PodFields restore(Entry entry) {
        return entry == null ? null : entry.restore();
    }
}
