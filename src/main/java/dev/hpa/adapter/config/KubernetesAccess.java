package dev.hpa.adapter.config;

import java.util.List;

/**
 * One kind of Kubernetes API call the adapter makes, with the class that makes it.
 * A new API call must be added to {@link #REQUIRED}, and {@code ManifestsTest} then fails until the RBAC in
 * {@code manifests/base} grants it to the adapter's ServiceAccount.
 *
 * @param apiGroup     API group, {@code ""} for the core group
 * @param resource     resource (plural, lower case; {@code "pods/log"} style for subresources)
 * @param verbs        RBAC verbs the calls need
 * @param namespace    namespace of the calls, {@code null} for cluster-wide (or any namespace)
 * @param resourceName the one object the calls touch, {@code null} for any
 * @param usedBy       the class that makes the calls
 */
public record KubernetesAccess(String apiGroup, String resource, List<String> verbs, String namespace,
        String resourceName, String usedBy) {

    public static final List<KubernetesAccess> REQUIRED = List.of(
            // Informer over inference pods, in all namespaces unless adapter.pods.namespaces narrows it.
            new KubernetesAccess("", "pods", List.of("get", "list", "watch"), null, null,
                    "dev.hpa.adapter.pods.PodWatcher"),
            // Node informer: where each kubelet listens.
            new KubernetesAccess("", "nodes", List.of("get", "list", "watch"), null, null,
                    "dev.hpa.adapter.kubelet.NodeWatcher"),
            // The kubelets' /metrics/resource, which each kubelet authorizes as get nodes/metrics.
            new KubernetesAccess("", "nodes/metrics", List.of("get"), null, null,
                    "dev.hpa.adapter.kubelet.KubeletClient"),
            // Bearer tokens of callers.
            new KubernetesAccess("authentication.k8s.io", "tokenreviews", List.of("create"), null, null,
                    "dev.hpa.adapter.auth.TokenReviewer"),
            // Every authenticated request.
            new KubernetesAccess("authorization.k8s.io", "subjectaccessreviews", List.of("create"), null, null,
                    "dev.hpa.adapter.auth.AccessReviewer"),
            // Front-proxy and client CAs, read at start-up and then watched.
            new KubernetesAccess("", "configmaps", List.of("get", "list", "watch"), "kube-system",
                    "extension-apiserver-authentication", "dev.hpa.adapter.auth.AuthenticationSource"));

    /** For messages: what is accessed, where, and by which class (verbs left out). */
    public String describe() {
        return (apiGroup.isEmpty() ? "" : apiGroup + "/") + resource
                + (resourceName == null ? "" : " named " + resourceName)
                + (namespace == null ? " cluster-wide" : " in namespace " + namespace) + " (used by " + usedBy + ")";
    }
}
