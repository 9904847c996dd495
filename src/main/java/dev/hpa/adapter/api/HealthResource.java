package dev.hpa.adapter.api;

import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/**
 * Kubernetes-style probes on the secure port, answered without authentication as kube-apiserver's are:
 * "ok", or a 500 listing the failed checks. The checks themselves are SmallRye Health's, also served on the
 * management port under /q/health.
 */
@Path("/")
public class HealthResource {

    private final SmallRyeHealthReporter reporter;

    public HealthResource(SmallRyeHealthReporter reporter) {
        this.reporter = reporter;
    }

    @GET
    @Path("healthz")
    public Uni<Response> healthz() {
        return reporter.getHealthAsync().map(HealthResource::probe);
    }

    @GET
    @Path("livez")
    public Uni<Response> livez() {
        return reporter.getLivenessAsync().map(HealthResource::probe);
    }

    @GET
    @Path("readyz")
    public Uni<Response> readyz() {
        return reporter.getReadinessAsync().map(HealthResource::probe);
    }

    private static Response probe(SmallRyeHealth health) {
        if (!health.isDown()) {
            return Response.ok("ok", "text/plain").build();
        }
        StringBuilder text = new StringBuilder();
        for (JsonValue check : health.getPayload().getJsonArray("checks")) {
            JsonObject c = check.asJsonObject();
            boolean up = "UP".equals(c.getString("status"));
            text.append(up ? "[+]" : "[-]").append(c.getString("name")).append(up ? " ok" : " failed");
            if (!up && c.containsKey("data")) {
                text.append(": ").append(c.getJsonObject("data"));
            }
            text.append('\n');
        }
        return Response.serverError().type("text/plain").entity(text.append("check failed\n").toString()).build();
    }
}
