package dev.hpa.adapter.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.config.ConfigCheckTest;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** By default metrics.k8s.io is not served: every path is a 404 that says which key turns it on. */
class ResourceMetricsOffTest {

    @Test
    void everyPathIsNotFoundAndNamesTheKey() {
        ResourceMetricsResource api = new ResourceMetricsResource(null, Clock.systemUTC(),
                ConfigCheckTest.config(Map.of()));
        for (Runnable call : new Runnable[] {api::resources, () -> api.pods("ns", null, null),
                () -> api.allPods(null, null), () -> api.pod("ns", "p"), () -> api.nodes(null, null),
                () -> api.node("n")}) {
            ApiException e = assertThrows(ApiException.class, call::run);
            assertEquals(404, e.code());
            assertTrue(e.getMessage().contains("adapter.metrics-api.enabled=false"), e.getMessage());
        }
    }
}
