package dev.hpa.adapter.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a pod's page is, from its annotations: and a path that could not go into a request line as it is. */
class MetricsEndpointTest {

    private static PodFields annotated(Map<String, String> annotations) {
        return PodFieldsTest.asListed(new PodBuilder().withNewMetadata().withName("p").withNamespace("n")
                .withAnnotations(annotations).endMetadata().withNewSpec().addNewContainer().withName("kserve-container")
                .endContainer().endSpec().build());
    }

    @Test
    void kserveAnnotationsComeBeforeTheCommonOnes() {
        MetricsEndpoint.Lookup lookup = MetricsEndpoint.of(annotated(Map.of(
                "prometheus.kserve.io/port", "8082", "prometheus.kserve.io/path", "/metrics?format=text%20plain",
                "prometheus.io/port", "9000")));
        assertNull(lookup.problem());
        assertEquals(new MetricsEndpoint(MetricsEndpoint.Format.PROMETHEUS, 8082, "/metrics?format=text%20plain"),
                lookup.endpoint());
    }

    @Test
    void aPathThatWouldSplitTheRequestLineIsRefusedWithWhereItBreaks() {
        MetricsEndpoint.Lookup injected = MetricsEndpoint.of(annotated(Map.of("prometheus.io/port", "8080",
                "prometheus.io/path", "/metrics HTTP/1.1\r\nX-Injected: 1")));
        assertNull(injected.endpoint());
        assertEquals("annotation prometheus.io/path=\"/metrics HTTP/1.1\\r\\nX-Injected: 1\" holds a space, a "
                + "control or a non-ASCII character at 9: percent-encode it", injected.problem());

        MetricsEndpoint.Lookup unicode = MetricsEndpoint.of(annotated(Map.of("prometheus.io/port", "8080",
                "prometheus.io/path", "/métrics")));
        assertEquals("annotation prometheus.io/path=\"/métrics\" holds a space, a control or a non-ASCII "
                + "character at 3: percent-encode it", unicode.problem());
    }

    @Test
    void aPathMustStartWithASlashAndAPortMustBeOne() {
        assertEquals("annotation prometheus.io/path=\"metrics\" must start with /", MetricsEndpoint.of(annotated(
                Map.of("prometheus.io/port", "8080", "prometheus.io/path", "metrics"))).problem());
        assertEquals("annotation prometheus.io/port=\"http\" is not a port number", MetricsEndpoint.of(annotated(
                Map.of("prometheus.io/port", "http"))).problem());
    }
}
