package dev.hpa.adapter.scrape;

import dev.hpa.adapter.window.Observation;
import dev.hpa.adapter.window.Reading;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a metrics page into a {@link Reading}: queue-proxy's protobuf {@code Stat}, or a Prometheus text /
 * OpenMetrics page read by the first recipe whose concurrency series are on it. Thread-safe.
 */
public final class PageReader {

    static final String QUEUE_PROXY_SOURCE = "queue-proxy";

    private final List<Recipe> recipes;
    private final PrometheusTextParser parser;
    private final String wantedList;

    public PageReader(List<Recipe> recipes) {
        this.recipes = List.copyOf(recipes);
        Set<String> wanted = new LinkedHashSet<>();
        for (Recipe recipe : recipes) {
            wanted.addAll(recipe.concurrency().names());
            if (recipe.rps() != null) {
                wanted.addAll(recipe.rps().names());
            }
        }
        this.parser = new PrometheusTextParser(wanted);
        this.wantedList = String.join(", ", recipes.stream()
                .flatMap(r -> r.concurrency().names().stream()).distinct().toList());
    }

    public Reading read(String contentType, byte[] page, int length, long atMillis) throws MetricsFormatException {
        if (contentType != null && isProtobufStat(contentType)) {
            QueueProxyStat stat = QueueProxyStat.decode(page, length);
            // The total, not minus the activator-proxied part as the KPA records it: the KPA gets the proxied
            // part from the activator separately, we do not, and the pod serves both.
            return new Reading(atMillis, QUEUE_PROXY_SOURCE,
                    Observation.level(stat.averageConcurrentRequests()), Observation.level(stat.requestCount()));
        }
        if (contentType != null && contentType.startsWith("application/vnd.google.protobuf")) {
            throw new MetricsFormatException("the pod answered with Prometheus protobuf (" + contentType
                    + "), which the adapter does not ask for and does not read");
        }
        Map<String, Double> sums = new HashMap<>();
        for (Sample sample : parser.parse(page, length)) {
            sums.merge(sample.name(), sample.value(), Double::sum);
        }
        for (Recipe recipe : recipes) {
            Observation concurrency = recipe.concurrency().observe(sums);
            if (concurrency != null) {
                Observation rps = recipe.rps() == null ? null : recipe.rps().observe(sums);
                return new Reading(atMillis, recipe.name(), concurrency, rps);
            }
        }
        throw new MetricsFormatException("no known concurrency series on the page (looked for " + wantedList
                + "); add a recipe under adapter.recipes for this server");
    }

    private static boolean isProtobufStat(String contentType) {
        return contentType.startsWith("application/protobuf") || contentType.startsWith("application/x-protobuf");
    }
}
