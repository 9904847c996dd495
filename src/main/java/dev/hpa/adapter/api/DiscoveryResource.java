package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.ServedMetric;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Discovery and OpenAPI. Every document here is built once: kube-apiserver probes the APIResourceList to decide
 * whether the whole APIService is available, and a failing or slow answer breaks kubectl and namespace deletion
 * cluster-wide, so nothing here may depend on pods or scrapes.
 */
@Path("/")
@NonBlocking
public class DiscoveryResource {

    /** The Accept of kube-apiserver's aggregated discovery; we let it fall back to the per-version list. */
    static final String AGGREGATED_DISCOVERY = "as=APIGroupDiscoveryList";

    private static final Map<ApiVersion, byte[]> RESOURCE_LISTS = new EnumMap<>(ApiVersion.class);
    private static final byte[] GROUP = KubeJson.bytes(json -> {
        json.writeStartObject();
        json.writeStringField("kind", "APIGroup");
        json.writeStringField("apiVersion", "v1");
        writeGroupBody(json);
        json.writeEndObject();
    });
    private static final byte[] GROUP_LIST = groupList(false);
    private static final byte[] GROUP_LIST_WITH_METRICS_API = groupList(true);
    private static final byte[] OPENAPI_V2 = """
            {"swagger":"2.0","info":{"title":"hpa-metrics-adapter","version":"v1beta2"},"paths":{},"definitions":{}}"""
            .getBytes(StandardCharsets.UTF_8);
    private static final String OPENAPI_V2_ETAG = "\"" + sha256(OPENAPI_V2) + "\"";

    static {
        for (ApiVersion version : ApiVersion.values()) {
            RESOURCE_LISTS.put(version, KubeJson.bytes(json -> writeResourceList(json, version)));
        }
    }

    private final boolean metricsApi;

    public DiscoveryResource(AdapterConfig config) {
        this.metricsApi = config.metricsApi().enabled();
    }

    /**
     * The groups served here. Through the aggregator nobody reads this (kube-apiserver answers /apis itself), but
     * {@code kubectl} pointed straight at the adapter does, and {@code kubectl top} looks for metrics.k8s.io in it.
     */
    @GET
    @Path("apis")
    public Response apis(@HeaderParam(HttpHeaders.ACCEPT) String accept) {
        if (!acceptsPlainJson(accept)) {
            return KubeJson.status(406, "NotAcceptable", "only application/json is served here");
        }
        return KubeJson.ok(metricsApi ? GROUP_LIST_WITH_METRICS_API : GROUP_LIST);
    }

    /**
     * kube-apiserver asks for aggregated discovery alone, and a 406 makes it read the per-version lists; kubectl
     * asks for it with {@code application/json} as a fallback, and must get the plain list.
     */
    static boolean acceptsPlainJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        for (String range : accept.split(",")) {
            String type = range.split(";", 2)[0].trim();
            boolean json = type.equals("application/json") || type.equals("application/*") || type.equals("*/*");
            if (json && !range.contains(AGGREGATED_DISCOVERY)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] groupList(boolean withMetricsApi) {
        return KubeJson.bytes(json -> {
            json.writeStartObject();
            json.writeStringField("kind", "APIGroupList");
            json.writeStringField("apiVersion", "v1");
            json.writeArrayFieldStart("groups");
            json.writeStartObject();
            writeGroupBody(json);
            json.writeEndObject();
            if (withMetricsApi) {
                json.writeStartObject();
                json.writeStringField("name", "metrics.k8s.io");
                json.writeArrayFieldStart("versions");
                json.writeStartObject();
                json.writeStringField("groupVersion", ResourceMetricsWriter.GROUP_VERSION);
                json.writeStringField("version", "v1beta1");
                json.writeEndObject();
                json.writeEndArray();
                json.writeObjectFieldStart("preferredVersion");
                json.writeStringField("groupVersion", ResourceMetricsWriter.GROUP_VERSION);
                json.writeStringField("version", "v1beta1");
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    @GET
    @Path("apis/custom.metrics.k8s.io")
    public Response group() {
        return KubeJson.ok(GROUP);
    }

    /** Served under CustomMetricsResource's path: JAX-RS routes a request to the class with the longest path. */
    static Response resourceList(ApiVersion version) {
        return KubeJson.ok(RESOURCE_LISTS.get(version));
    }

    /** A minimal document with an ETag, so kube-apiserver's minutely fetch costs a 304 and logs nothing. */
    @GET
    @Path("openapi/v2")
    public Response openApiV2(@HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        if (OPENAPI_V2_ETAG.equals(ifNoneMatch)) {
            return Response.notModified().tag(OPENAPI_V2_ETAG.replace("\"", "")).build();
        }
        return Response.ok(OPENAPI_V2, KubeJson.JSON).header(HttpHeaders.ETAG, OPENAPI_V2_ETAG).build();
    }

    /** 404 tells kube-apiserver to use v2 instead, silently. */
    @GET
    @Path("openapi/v3")
    public Response openApiV3() {
        throw ApiException.notFound();
    }

    private static void writeGroupBody(JsonGenerator json) throws IOException {
        json.writeStringField("name", ApiVersion.GROUP);
        json.writeArrayFieldStart("versions");
        writeVersion(json, ApiVersion.V1BETA2);
        writeVersion(json, ApiVersion.V1BETA1);
        json.writeEndArray();
        json.writeFieldName("preferredVersion");
        writeVersion(json, ApiVersion.V1BETA2);
    }

    private static void writeVersion(JsonGenerator json, ApiVersion version) throws IOException {
        json.writeStartObject();
        json.writeStringField("groupVersion", version.groupVersion());
        json.writeStringField("version", version.version());
        json.writeEndObject();
    }

    /**
     * Static and never empty: clients since 1.26 complain on every command about an empty list. Entries of one
     * parent must agree on {@code namespaced}, or aggregated discovery drops the whole group-version.
     */
    private static void writeResourceList(JsonGenerator json, ApiVersion version) throws IOException {
        json.writeStartObject();
        json.writeStringField("kind", "APIResourceList");
        json.writeStringField("apiVersion", "v1");
        json.writeStringField("groupVersion", version.groupVersion());
        json.writeArrayFieldStart("resources");
        for (String parent : new String[] {"pods", CustomMetricsResource.INFERENCE_SERVICES, "namespaces"}) {
            for (ServedMetric metric : ServedMetric.ALL) {
                json.writeStartObject();
                json.writeStringField("name", parent + "/" + metric.metricName());
                json.writeStringField("singularName", "");
                json.writeBooleanField("namespaced", !parent.equals("namespaces"));
                json.writeStringField("kind", "MetricValueList");
                json.writeArrayFieldStart("verbs");
                json.writeString("get");
                json.writeEndArray();
                json.writeEndObject();
            }
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
