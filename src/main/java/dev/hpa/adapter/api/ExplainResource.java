package dev.hpa.adapter.api;

import dev.hpa.adapter.explain.Explanation;
import dev.hpa.adapter.explain.HpaExplainer;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;

/**
 * Why an HPA scales as it does, for {@code kubectl get --raw}: a subresource of the HPA under this adapter's own
 * group, so kube-apiserver's aggregator proxies it like the metrics and RBAC authorizes it like them (resource
 * {@code horizontalpodautoscalers.autoscaling/explain} in {@code custom.metrics.k8s.io}, per namespace).
 * Blocking: it reads the HPA, its scale and its pods from the API, once per request.
 */
@Path("/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/horizontalpodautoscalers.autoscaling/{name}/explain")
public class ExplainResource {

    private final HpaExplainer explainer;

    public ExplainResource(HpaExplainer explainer) {
        this.explainer = explainer;
    }

    @GET
    @Blocking
    @Produces(KubeJson.JSON)
    public Explanation explain(@PathParam("version") String version, @PathParam("namespace") String namespace,
            @PathParam("name") String name) {
        return explainer.explain(CustomMetricsResource.version(version).groupVersion(), namespace, name);
    }
}
