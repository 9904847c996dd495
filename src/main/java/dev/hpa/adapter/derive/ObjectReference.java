package dev.hpa.adapter.derive;

/** The object a metric value describes, as Kubernetes' core ObjectReference; namespace is null for namespaces. */
public record ObjectReference(String kind, String namespace, String name, String apiVersion) {

    public static ObjectReference pod(String namespace, String name) {
        return new ObjectReference("Pod", namespace, name, "v1");
    }

    public static ObjectReference inferenceService(String namespace, String name) {
        return new ObjectReference("InferenceService", namespace, name, "serving.kserve.io/v1beta1");
    }

    public static ObjectReference namespace(String name) {
        return new ObjectReference("Namespace", null, name, "v1");
    }
}
