package dev.hpa.adapter.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The adapter with {@code adapter.source=prometheus}, reading a real Prometheus ({@link PrometheusResource}). */
public class PrometheusMode implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(PrometheusResource.class));
    }
}
