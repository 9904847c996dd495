package dev.hpa.adapter.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpa.adapter.derive.ServedMetric;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every HPA in manifests/examples asks this adapter only for metrics it serves, under their exact names. */
class ExamplesTest {

    static Stream<Path> examples() throws Exception {
        return Files.list(Path.of("manifests/examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void hpasAskForServedMetrics(Path file) throws Exception {
        List<HasMetadata> objects = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = Serialization.unmarshal(in); // a List for several documents, else the one object
            if (parsed instanceof List<?> list) {
                list.forEach(o -> objects.add((HasMetadata) o));
            } else {
                objects.add((HasMetadata) parsed);
            }
        }
        List<String> asked = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof HorizontalPodAutoscaler hpa) {
                for (MetricSpec metric : hpa.getSpec().getMetrics()) {
                    if (metric.getPods() != null) {
                        asked.add(metric.getPods().getMetric().getName());
                    }
                    if (metric.getObject() != null) {
                        asked.add(metric.getObject().getMetric().getName());
                    }
                }
            }
        }
        if (!file.getFileName().toString().contains("knative")) { // Knative creates that HPA itself
            assertFalse(asked.isEmpty(), file + ": no HPA asks this adapter for anything");
        }
        for (String name : asked) {
            assertTrue(ServedMetric.named(name).isPresent(), file + ": the adapter serves no metric " + name);
        }
    }
}
