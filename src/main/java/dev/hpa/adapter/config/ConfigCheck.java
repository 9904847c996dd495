package dev.hpa.adapter.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cross-field checks that a type cannot express, run at start-up. A bad combination stops the adapter with a
 * message naming the keys, rather than serving numbers that quietly mean something else.
 */
@ApplicationScoped
public class ConfigCheck {

    void check(@Observes StartupEvent start, AdapterConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new StartupProblem(problems, null);
        }
    }

    static List<String> problems(AdapterConfig config) {
        List<String> problems = new ArrayList<>();
        AdapterConfig.Scrape scrape = config.scrape();
        positive(problems, "adapter.scrape.interval", scrape.interval());
        positive(problems, "adapter.scrape.timeout", scrape.timeout());
        if (scrape.timeout().compareTo(scrape.interval()) >= 0) {
            problems.add("adapter.scrape.timeout = " + scrape.timeout() + ", must be shorter than "
                    + "adapter.scrape.interval (" + scrape.interval() + ")");
        }
        if (scrape.maxBodyBytes() < 1024) {
            problems.add("adapter.scrape.max-body-bytes = " + scrape.maxBodyBytes() + ", must be at least 1024");
        }
        if (scrape.maxConcurrent() < 1) {
            problems.add("adapter.scrape.max-concurrent = " + scrape.maxConcurrent() + ", must be at least 1");
        }
        wholeSeconds(problems, "adapter.window.stable", config.window().stable());
        wholeSeconds(problems, "adapter.window.burst", config.window().burst());
        if (config.window().burst().compareTo(config.window().stable()) > 0) {
            problems.add("adapter.window.burst = " + config.window().burst() + ", must not be longer than "
                    + "adapter.window.stable (" + config.window().stable() + ")");
        }
        if (config.window().burst().compareTo(scrape.interval()) < 0) {
            problems.add("adapter.window.burst = " + config.window().burst() + ", must be at least "
                    + "adapter.scrape.interval (" + scrape.interval() + ")");
        }
        positive(problems, "adapter.kubelet.interval", config.kubelet().interval());
        config.kubelet().caFile().ifPresent(file -> {
            if (config.kubelet().insecureTls()) {
                problems.add("adapter.kubelet.ca-file and adapter.kubelet.insecure-tls=true contradict each other: "
                        + "set one");
            }
        });
        for (Map.Entry<String, AdapterConfig.RecipeConfig> recipe : config.recipes().entrySet()) {
            String key = "adapter.recipes." + recipe.getKey();
            boolean gauges = recipe.getValue().inFlightGauges().isPresent();
            boolean counter = recipe.getValue().busyCounter().isPresent();
            if (gauges == counter) {
                problems.add(key + " must set exactly one of " + key + ".in-flight-gauges and " + key
                        + ".busy-counter");
            }
            if (!(recipe.getValue().busyCounterSecondsPerUnit() > 0)) {
                problems.add(key + ".busy-counter-seconds-per-unit must be positive");
            }
        }
        if (config.source() == AdapterConfig.Source.PROMETHEUS) {
            prometheus(problems, config.prometheus());
        }
        return problems;
    }

    private static void prometheus(List<String> problems, AdapterConfig.Prometheus prometheus) {
        String url = prometheus.url().orElse("");
        if (url.isEmpty()) {
            problems.add("adapter.source=prometheus needs adapter.prometheus.url (e.g. http://prometheus:9090)");
        } else {
            try {
                URI uri = new URI(url);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                        || uri.getQuery() != null || uri.getFragment() != null) {
                    problems.add("adapter.prometheus.url = " + url + ", must be an http:// or https:// URL without "
                            + "query or fragment (the API's base, e.g. http://mimir:8080/prometheus)");
                }
            } catch (URISyntaxException e) {
                problems.add("adapter.prometheus.url = " + url + " is not a URL: " + e.getMessage());
            }
        }
        if (prometheus.clientCertFile().isPresent() != prometheus.clientKeyFile().isPresent()) {
            problems.add("adapter.prometheus.client-cert-file and adapter.prometheus.client-key-file go together: "
                    + "set both or neither");
        }
        positive(problems, "adapter.prometheus.timeout", prometheus.timeout());
        positive(problems, "adapter.prometheus.scrape-interval", prometheus.scrapeInterval());
        if (prometheus.postAboveBytes() < 0) {
            problems.add("adapter.prometheus.post-above-bytes = " + prometheus.postAboveBytes()
                    + ", must be 0 (always POST) or more");
        }
        if (prometheus.maxBodyBytes() < 1024) {
            problems.add("adapter.prometheus.max-body-bytes = " + prometheus.maxBodyBytes()
                    + ", must be at least 1024");
        }
        for (Map.Entry<String, AdapterConfig.PromqlRecipe> recipe : prometheus.recipes().entrySet()) {
            String expression = recipe.getValue().concurrency();
            if (!expression.contains("<<namespace>>")) {
                problems.add("adapter.prometheus.recipes." + recipe.getKey() + ".concurrency must select the "
                        + "request's namespace with <<namespace>>, e.g. {namespace=\"<<namespace>>\"}");
            }
        }
    }

    private static void positive(List<String> problems, String key, Duration value) {
        if (value.isZero() || value.isNegative()) {
            problems.add(key + " = " + value + ", must be positive");
        }
    }

    /** Windows are counted in one-second buckets, like the KPA's. */
    private static void wholeSeconds(List<String> problems, String key, Duration value) {
        if (value.toMillis() < 1000 || value.toMillis() % 1000 != 0) {
            problems.add(key + " = " + value + ", must be a whole number of seconds, at least 1s");
        }
    }
}
