package dev.hpa.adapter.api;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.ResourceUsage;
import dev.hpa.adapter.derive.ResourceUsage.NodeUsage;
import dev.hpa.adapter.derive.ResourceUsage.PodUsage;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodKey;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.time.Clock;

/**
 * metrics.k8s.io/v1beta1, off unless {@code adapter.metrics-api.enabled}: PodMetrics of the watched ready pods
 * and NodeMetrics of their nodes, for {@code kubectl top} and HPA Resource metrics. Registering its APIService
 * replaces metrics-server for the whole cluster, and this adapter knows only inference pods.
 */
@Path("/apis/metrics.k8s.io/v1beta1")
@NonBlocking
public class ResourceMetricsResource {

    private static final String GROUP = "metrics.k8s.io";
    private static final byte[] RESOURCE_LIST = KubeJson.bytes(json -> {
        json.writeStartObject();
        json.writeStringField("kind", "APIResourceList");
        json.writeStringField("apiVersion", "v1");
        json.writeStringField("groupVersion", ResourceMetricsWriter.GROUP_VERSION);
        json.writeArrayFieldStart("resources");
        for (String[] r : new String[][] {{"nodes", "false", "NodeMetrics"}, {"pods", "true", "PodMetrics"}}) {
            json.writeStartObject();
            json.writeStringField("name", r[0]);
            json.writeStringField("singularName", "");
            json.writeBooleanField("namespaced", Boolean.parseBoolean(r[1]));
            json.writeStringField("kind", r[2]);
            json.writeArrayFieldStart("verbs");
            json.writeString("get");
            json.writeString("list");
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    });

    private final ResourceUsage usage;
    private final Clock clock;
    private final boolean enabled;

    public ResourceMetricsResource(ResourceUsage usage, Clock clock, AdapterConfig config) {
        this.usage = usage;
        this.clock = clock;
        this.enabled = config.metricsApi().enabled();
    }

    @GET
    public Response resources() {
        enabled();
        return KubeJson.ok(RESOURCE_LIST);
    }

    /** {@code kubectl top pod -A}. */
    @GET
    @Path("/pods")
    public Response allPods(@QueryParam("labelSelector") String labelSelector,
            @QueryParam("fieldSelector") String fieldSelector) {
        return pods(null, labelSelector, fieldSelector);
    }

    /** What the HPA asks for a Resource metric, and {@code kubectl top pod [-l ...]}. */
    @GET
    @Path("/namespaces/{namespace}/pods")
    public Response pods(@PathParam("namespace") String namespace, @QueryParam("labelSelector") String labelSelector,
            @QueryParam("fieldSelector") String fieldSelector) {
        enabled();
        LabelSelector labels = CustomMetricsResource.selector("labelSelector", labelSelector);
        long now = clock.millis();
        return KubeJson.ok(ResourceMetricsWriter.podList(
                usage.pods(namespace, labels, FieldSelector.parse(fieldSelector), now), now));
    }

    /** {@code kubectl top pod NAME}. */
    @GET
    @Path("/namespaces/{namespace}/pods/{name}")
    public Response pod(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        enabled();
        long now = clock.millis();
        PodUsage pod = usage.pod(new PodKey(namespace, name), now);
        if (pod == null) {
            throw notFound("pods", "podmetrics", namespace + "/" + name);
        }
        return KubeJson.ok(ResourceMetricsWriter.pod(pod, now));
    }

    /** {@code kubectl top node}. */
    @GET
    @Path("/nodes")
    public Response nodes(@QueryParam("labelSelector") String labelSelector,
            @QueryParam("fieldSelector") String fieldSelector) {
        enabled();
        LabelSelector labels = CustomMetricsResource.selector("labelSelector", labelSelector);
        var fields = FieldSelector.parse(fieldSelector);
        long now = clock.millis();
        return KubeJson.ok(ResourceMetricsWriter.nodeList(usage.nodes(labels, now).stream()
                .filter(node -> fields.test(new PodKey("", node.name()))).toList(), now));
    }

    @GET
    @Path("/nodes/{name}")
    public Response node(@PathParam("name") String name) {
        enabled();
        long now = clock.millis();
        NodeUsage node = usage.node(name, now);
        if (node == null) {
            throw notFound("nodes", "nodemetrics", name);
        }
        return KubeJson.ok(ResourceMetricsWriter.node(node, now));
    }

    private void enabled() {
        if (!enabled) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource "
                    + "(metrics.k8s.io is not served: adapter.metrics-api.enabled=false)");
        }
    }

    /** metrics-server's wording, which {@code kubectl top} prints: podmetrics.metrics.k8s.io "ns/name" not found. */
    private static ApiException notFound(String resource, String kind, String name) {
        return new ApiException(404, "NotFound", kind + "." + GROUP + " \"" + name + "\" not found",
                new KubeJson.Details(name, GROUP, resource));
    }
}
