package dev.hpa.adapter.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * What the adapter's own read models of a Kubernetes kind share (pods/PodFields, kubelet/NodeFields): the object's
 * metadata and apiVersion, every other field of the object skipped while reading. A subclass names its kind with
 * fabric8's {@code @Group}, {@code @Version}, {@code @Kind} and {@code @Plural} and adds the fields it reads.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonDeserialize(using = JsonDeserializer.None.class) // as a bean: KubernetesResource's own deserializer goes by kind
public abstract class ResourceFields implements HasMetadata {

    private String apiVersion = HasMetadata.getApiVersion(getClass());
    private ObjectMeta metadata;

    /**
     * Has {@code serialization} read every object of {@code type}'s kind that arrives untyped (watch events name
     * their object only by kind) as {@code type}, instead of as fabric8's model converted after.
     */
    public static void readAs(KubernetesSerialization serialization, Class<? extends ResourceFields> type) {
        serialization.registerKubernetesResource(type);
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }
}
