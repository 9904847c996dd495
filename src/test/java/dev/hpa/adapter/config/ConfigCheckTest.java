package dev.hpa.adapter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Start-up checks name the keys at fault, as an operator would type them. */
public class ConfigCheckTest {

    /** The configuration mapping over just these properties, as the application would see it. */
    public static AdapterConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(AdapterConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus's "1s" syntax
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(AdapterConfig.class);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("defaults are valid", Map.of(), List.of()),
                Arguments.of("timeout not shorter than the interval",
                        Map.of("adapter.scrape.timeout", "2s"),
                        List.of("adapter.scrape.timeout = PT2S, must be shorter than adapter.scrape.interval (PT1S)")),
                Arguments.of("window not in whole seconds", Map.of("adapter.window.burst", "1500ms"),
                        List.of("adapter.window.burst = PT1.5S, must be a whole number of seconds, at least 1s")),
                Arguments.of("burst longer than stable", Map.of("adapter.window.burst", "90s"),
                        List.of("adapter.window.burst = PT1M30S, must not be longer than adapter.window.stable (PT1M)")),
                Arguments.of("a recipe with two concurrency sources",
                        Map.of("adapter.recipes.mine.in-flight-gauges", "a", "adapter.recipes.mine.busy-counter", "b"),
                        List.of("adapter.recipes.mine must set exactly one of adapter.recipes.mine.in-flight-gauges"
                                + " and adapter.recipes.mine.busy-counter")),
                Arguments.of("a recipe with none", Map.of("adapter.recipes.mine.request-counters", "c"),
                        List.of("adapter.recipes.mine must set exactly one of adapter.recipes.mine.in-flight-gauges"
                                + " and adapter.recipes.mine.busy-counter")),
                Arguments.of("a small body cap", Map.of("adapter.scrape.max-body-bytes", "10"),
                        List.of("adapter.scrape.max-body-bytes = 10, must be at least 1024")),
                Arguments.of("a kubelet CA and no verification at once",
                        Map.of("adapter.kubelet.ca-file", "/etc/kubelet-ca.crt", "adapter.kubelet.insecure-tls", "true"),
                        List.of("adapter.kubelet.ca-file and adapter.kubelet.insecure-tls=true contradict each other: "
                                + "set one")),
                Arguments.of("a kubelet interval of zero", Map.of("adapter.kubelet.interval", "0s"),
                        List.of("adapter.kubelet.interval = PT0S, must be positive")),
                Arguments.of("prometheus mode, complete", Map.of("adapter.source", "prometheus",
                        "adapter.prometheus.url", "https://mimir.example:8080/prometheus",
                        "adapter.prometheus.headers.X-Scope-OrgID", "tenant"), List.of()),
                Arguments.of("prometheus mode without a URL", Map.of("adapter.source", "prometheus"),
                        List.of("adapter.source=prometheus needs adapter.prometheus.url (e.g. http://prometheus:9090)")),
                Arguments.of("a Prometheus URL that is not one", Map.of("adapter.source", "prometheus",
                        "adapter.prometheus.url", "prometheus:9090"),
                        List.of("adapter.prometheus.url = prometheus:9090, must be an http:// or https:// URL without "
                                + "query or fragment (the API's base, e.g. http://mimir:8080/prometheus)")),
                Arguments.of("a client certificate without its key", Map.of("adapter.source", "prometheus",
                        "adapter.prometheus.url", "https://thanos:10902",
                        "adapter.prometheus.client-cert-file", "/etc/tls/tls.crt"),
                        List.of("adapter.prometheus.client-cert-file and adapter.prometheus.client-key-file go "
                                + "together: set both or neither")),
                Arguments.of("a PromQL recipe for every namespace at once", Map.of("adapter.source", "prometheus",
                        "adapter.prometheus.url", "http://prometheus:9090",
                        "adapter.prometheus.recipes.mine.concurrency", "sum by (namespace, pod) (my_inflight)"),
                        List.of("adapter.prometheus.recipes.mine.concurrency must select the request's namespace "
                                + "with <<namespace>>, e.g. {namespace=\"<<namespace>>\"}")),
                Arguments.of("a zero query timeout", Map.of("adapter.source", "prometheus",
                        "adapter.prometheus.url", "http://prometheus:9090", "adapter.prometheus.timeout", "0s"),
                        List.of("adapter.prometheus.timeout = PT0S, must be positive")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void problems(String row, Map<String, String> properties, List<String> expected) {
        assertEquals(expected, ConfigCheck.problems(config(properties)));
    }

    @org.junit.jupiter.api.Test
    void recipesFromConfiguration() {
        AdapterConfig config = config(Map.of(
                "adapter.recipes.my-server.busy-counter", "my_busy_microseconds_total",
                "adapter.recipes.my-server.busy-counter-seconds-per-unit", "1e-6",
                "adapter.recipes.my-server.request-counters", "my_requests_total,my_errors_total"));
        AdapterConfig.RecipeConfig recipe = config.recipes().get("my-server");
        assertEquals(1e-6, recipe.busyCounterSecondsPerUnit());
        assertEquals(List.of("my_requests_total", "my_errors_total"), recipe.requestCounters().orElseThrow());
        assertTrue(recipe.inFlightGauges().isEmpty());
    }
}
