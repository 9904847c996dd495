package dev.hpa.adapter.api;

import dev.hpa.adapter.derive.Answer;
import dev.hpa.adapter.derive.PodMetrics;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.pods.LabelSelector;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.time.Clock;

/**
 * The metric paths of custom.metrics.k8s.io, both versions: per-pod values, and sums for an InferenceService or a
 * namespace. Answered on the event loop: from memory in scrape mode, no request ever waiting on a pod; in
 * prometheus mode from one query to the engine, awaited without blocking, its failure a 503 Status.
 */
@Path("/apis/custom.metrics.k8s.io/{version}")
@NonBlocking
public class CustomMetricsResource {

    static final String INFERENCE_SERVICES = "inferenceservices.serving.kserve.io";

    private final PodMetrics metrics;
    private final Clock clock;

    public CustomMetricsResource(PodMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The APIResourceList kube-apiserver probes to decide whether the APIService is available. */
    @GET
    public Response resources(@PathParam("version") String version) {
        return DiscoveryResource.resourceList(version(version));
    }

    /** What the HPA asks for a Pods metric: {@code pods/%2A/concurrency?labelSelector=...}; or one pod by name. */
    @GET
    @Path("/namespaces/{namespace}/pods/{name}/{metric}")
    public Uni<Response> pods(@PathParam("version") String version, @PathParam("namespace") String namespace,
            @PathParam("name") String name, @PathParam("metric") String metric,
            @QueryParam("labelSelector") String labelSelector,
            @QueryParam("metricLabelSelector") String metricLabelSelector) {
        ApiVersion v = version(version);
        ServedMetric m = metric(metric, "pods");
        LabelSelector metricSelector = selector("metricLabelSelector", metricLabelSelector);
        return metrics.forPods(namespace, name, selector("labelSelector", labelSelector), m, metricSelector,
                clock.millis()).map(answer -> answer(v, m, answer, metricSelector));
    }

    /** An Object metric: the sum over an InferenceService's ready pods. */
    @GET
    @Path("/namespaces/{namespace}/{resource}/{name}/{metric}")
    public Uni<Response> object(@PathParam("version") String version, @PathParam("namespace") String namespace,
            @PathParam("resource") String resource, @PathParam("name") String name,
            @PathParam("metric") String metric, @QueryParam("metricLabelSelector") String metricLabelSelector) {
        ApiVersion v = version(version);
        if (!INFERENCE_SERVICES.equals(resource)) {
            throw ApiException.metricNotFound(metric, resource + " (this adapter serves pods, "
                    + INFERENCE_SERVICES + " and namespaces)");
        }
        ServedMetric m = metric(metric, resource);
        if ("*".equals(name)) {
            throw ApiException.badRequest("name the InferenceService: " + resource + "/* is not served");
        }
        LabelSelector metricSelector = selector("metricLabelSelector", metricLabelSelector);
        return metrics.forInferenceService(namespace, name, m, metricSelector, clock.millis())
                .map(answer -> answer(v, m, answer, metricSelector));
    }

    /** A metric of the namespace itself (HPA describedObject kind Namespace): the sum over its ready pods. */
    @GET
    @Path("/namespaces/{namespace}/metrics/{metric}")
    public Uni<Response> namespace(@PathParam("version") String version, @PathParam("namespace") String namespace,
            @PathParam("metric") String metric, @QueryParam("metricLabelSelector") String metricLabelSelector) {
        ApiVersion v = version(version);
        ServedMetric m = metric(metric, "namespaces");
        LabelSelector metricSelector = selector("metricLabelSelector", metricLabelSelector);
        return metrics.forNamespace(namespace, m, metricSelector, clock.millis())
                .map(answer -> answer(v, m, answer, metricSelector));
    }

    /** Root-scoped objects (nodes, ...) exist in the API's grammar, but the HPA never asks for them. */
    @GET
    @Path("/{resource}/{name}/{metric}")
    public Response rootScoped(@PathParam("version") String version, @PathParam("resource") String resource,
            @PathParam("name") String name, @PathParam("metric") String metric) {
        version(version);
        throw ApiException.metricNotFound(metric, resource + " (this adapter serves pods, " + INFERENCE_SERVICES
                + " and namespaces, all namespaced)");
    }

    private static Response answer(ApiVersion version, ServedMetric metric, Answer answer,
            LabelSelector metricSelector) {
        if (answer.values().isEmpty()) {
            throw ApiException.noValue(metric.metricName(), answer.whyEmpty());
        }
        return KubeJson.ok(MetricValueWriter.write(version, answer.values(), metricSelector));
    }

    static ApiVersion version(String version) {
        return ApiVersion.of(version).orElseThrow(ApiException::notFound);
    }

    private static ServedMetric metric(String name, String resource) {
        return ServedMetric.named(name).orElseThrow(() -> ApiException.metricNotFound(name, resource));
    }

    /** A selector from a query parameter; a bad one is the caller's mistake, a 400 with apimachinery's text. */
    static LabelSelector selector(String parameter, String text) {
        try {
            return LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid " + parameter + " \"" + text + "\": " + e.getMessage());
        }
    }
}
