package dev.hpa.adapter.config;

import java.util.List;

/**
 * One kind of Kubernetes API call the adapter makes, with the class that makes it.
 * A new API call must be added to {@link #REQUIRED} (or to the list of the feature that makes it), and
 * {@code ManifestsTest} then fails until the RBAC of every install in {@code manifests/} grants it to the adapter's
 * ServiceAccount.
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
                    "extension-apiserver-authentication", "dev.hpa.adapter.auth.AuthenticationSource"),
            // The HPAs reading this adapter: explained on request, checked for Events on an informer, listed per
            // namespace for the status page (status.ProposalHistory).
            new KubernetesAccess("autoscaling", "horizontalpodautoscalers", List.of("get", "list", "watch"), null, null,
                    "dev.hpa.adapter.events.HpaEvents"),
            // Their targets' selector and replicas, through the scale subresource as the HPA controller reads them.
            new KubernetesAccess("apps", "deployments/scale", List.of("get"), null, null,
                    "dev.hpa.adapter.explain.HpaExplainer"),
            new KubernetesAccess("apps", "statefulsets/scale", List.of("get"), null, null,
                    "dev.hpa.adapter.explain.HpaExplainer"),
            new KubernetesAccess("apps", "replicasets/scale", List.of("get"), null, null,
                    "dev.hpa.adapter.explain.HpaExplainer"),
            // autoscalerClass of the InferenceService behind an HPA.
            new KubernetesAccess("serving.kserve.io", "inferenceservices", List.of("get"), null, null,
                    "dev.hpa.adapter.events.HpaEvents"),
            // Events, a repeat raising the count of the existing one.
            new KubernetesAccess("", "events", List.of("create", "get", "patch", "update"), null, null,
                    "dev.hpa.adapter.events.EventRecorder"));

    /** The namespace {@code manifests/} installs the adapter in; at run time its own is POD_NAMESPACE. */
    public static final String INSTALL_NAMESPACE = "kserve-autoscaling";

    /** The Secret of {@code adapter.tls.self-managed.secret-name}'s default. */
    private static final String CERTIFICATES_SECRET = "hpa-metrics-adapter-certificates";

    private static final String SELF_MANAGED = "dev.hpa.adapter.certificates.SelfManagedCertificates";

    /**
     * With {@code adapter.tls.self-managed.enabled=true}: its Secret, and caBundle of the custom.metrics APIServices.
     * Without it the adapter makes none of these calls, and the installs that turn it off grant none of them.
     */
    public static final List<KubernetesAccess> SELF_MANAGED_CERTIFICATES = List.of(
            // Create cannot be limited by name: RBAC sees the name only in the request body.
            new KubernetesAccess("", "secrets", List.of("create"), INSTALL_NAMESPACE, null, SELF_MANAGED),
            // Read, renew, and watch by name (fieldSelector metadata.name), so that every replica serves the update.
            new KubernetesAccess("", "secrets", List.of("get", "list", "watch", "update"), INSTALL_NAMESPACE,
                    CERTIFICATES_SECRET, SELF_MANAGED),
            new KubernetesAccess("apiregistration.k8s.io", "apiservices", List.of("get", "update"), null,
                    "v1beta2.custom.metrics.k8s.io", SELF_MANAGED),
            new KubernetesAccess("apiregistration.k8s.io", "apiservices", List.of("get", "update"), null,
                    "v1beta1.custom.metrics.k8s.io", SELF_MANAGED));

    /** With self-managed certificates and {@code adapter.metrics-api.enabled=true}: caBundle of that APIService too. */
    public static final List<KubernetesAccess> SELF_MANAGED_METRICS_API = List.of(
            new KubernetesAccess("apiregistration.k8s.io", "apiservices", List.of("get", "update"), null,
                    "v1beta1.metrics.k8s.io", SELF_MANAGED));

    /** For messages: what is accessed, where, and by which class (verbs left out). */
    public String describe() {
        return (apiGroup.isEmpty() ? "" : apiGroup + "/") + resource
                + (resourceName == null ? "" : " named " + resourceName)
                + (namespace == null ? " cluster-wide" : " in namespace " + namespace) + " (used by " + usedBy + ")";
    }
}
