package dev.hpa.adapter.api;

import dev.hpa.adapter.status.StatusPage;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * The status page of one InferenceService, for a browser through {@code kubectl proxy}: a subresource of the
 * InferenceService under this adapter's own group, so kube-apiserver's aggregator proxies it and RBAC authorizes
 * it like the metrics and the explain answer (resource {@code inferenceservices.serving.kserve.io/status-page}
 * in {@code custom.metrics.k8s.io}, per namespace and name).
 *
 * <p>The page is then served from kube-apiserver's origin (http://localhost:8001 for {@code kubectl proxy}),
 * next to everything else the viewer's credentials reach. So it runs nothing: the policy forbids every script,
 * frame, form, connection and external load, allows only its own inline style and {@code data:} images, and the
 * browser must take it as HTML and keep no copy. Blocking: a first view replays the HPAs from the API.
 */
@Path("/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/inferenceservices.serving.kserve.io/{name}/status-page")
public class StatusPageResource {

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final StatusPage page;

    public StatusPageResource(StatusPage page) {
        this.page = page;
    }

    @GET
    @Blocking
    public Response page(@PathParam("version") String version, @PathParam("namespace") String namespace,
            @PathParam("name") String name) {
        CustomMetricsResource.version(version);
        return Response.ok(page.render(namespace, name), "text/html; charset=utf-8")
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store")
                .header("Referrer-Policy", "no-referrer")
                .header("X-Frame-Options", "DENY")
                .build();
    }
}
