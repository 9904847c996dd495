package dev.hpa.adapter.pods;

/** Identifies a pod across its updates: namespace and name. */
public record PodKey(String namespace, String name) {
    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
