package dev.hpa.adapter.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hpa.adapter.config.ConfigCheckTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code adapter.self-metrics.unauthenticated=true}, the explicit opt-out: the guard adds nothing to the
 * management router, so a real request without credentials gets the metrics. (The default, guarded, is
 * {@link SelfMetricsAuthTest}.)
 */
class SelfMetricsSwitchTest {

    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void switchedOffTheGuardAddsNoRoute() throws Exception {
        Router router = Router.router(vertx);
        var guard = new SelfMetricsGuard(null, ConfigCheckTest.config(Map.of(
                "adapter.self-metrics.unauthenticated", "true")));
        guard.register(() -> router);
        router.get("/metrics").handler(rc -> rc.response().end("adapter_up 1\n"));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.actualPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertEquals("adapter_up 1\n", response.body());
        assertEquals(1, router.getRoutes().size());
    }
}
