package dev.hpa.adapter.scrape;

import dev.hpa.adapter.window.Observation;
import dev.hpa.adapter.window.Reading;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Turns a metrics page into a {@link Reading}: queue-proxy's protobuf {@code Stat}, or a Prometheus text /
 * OpenMetrics page read by the first recipe whose concurrency series are on it. Thread-safe.
 */
public final class PageReader {

    static final String QUEUE_PROXY_SOURCE = "queue-proxy";
    private static final String PLAUSIBLE = "a load must be a finite number from 0 to 2^53";

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
            check("average_concurrent_requests of the Stat", stat.averageConcurrentRequests());
            check("request_count of the Stat", stat.requestCount());
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
        Set<Series> seen = new HashSet<>();
        Map<String, String> problems = new HashMap<>(); // by sample name: the first thing wrong with one of its series
        for (Sample sample : parser.parse(page, length)) {
            if (!Observation.plausible(sample.value())) {
                problems.putIfAbsent(sample.name(), describe(sample) + " is " + sample.value() + "; " + PLAUSIBLE);
            } else if (!seen.add(new Series(sample.name(), sample.labels()))) {
                problems.putIfAbsent(sample.name(), describe(sample) + " appears twice on the page; summing both"
                        + " would count its load twice");
            }
            sums.merge(sample.name(), sample.value(), Double::sum);
        }
        for (Recipe recipe : recipes) {
            Observation concurrency = recipe.concurrency().observe(sums);
            if (concurrency != null) {
                // One bad series spoils the recipe: a NaN or negative gauge is a pod that does not know its load,
                // and a sum without the bad series would report less than the pod carries.
                check(recipe.concurrency(), problems);
                check(recipe.name() + "'s concurrency, summed over the page,", concurrency.value());
                Observation rps = recipe.rps() == null ? null : recipe.rps().observe(sums);
                if (rps != null) {
                    check(recipe.rps(), problems);
                    check(recipe.name() + "'s request count, summed over the page,", rps.value());
                }
                return new Reading(atMillis, recipe.name(), concurrency, rps);
            }
        }
        throw new MetricsFormatException("no known concurrency series on the page (looked for " + wantedList
                + "); add a recipe under adapter.recipes for this server");
    }

    private static void check(Recipe.Series series, Map<String, String> problems) throws MetricsFormatException {
        for (String name : series.names()) {
            String problem = problems.get(name);
            if (problem != null) {
                throw new MetricsFormatException(problem);
            }
        }
    }

    private static void check(String what, double value) throws MetricsFormatException {
        if (!Observation.plausible(value)) {
            throw new MetricsFormatException(what + " is " + value + "; " + PLAUSIBLE);
        }
    }

    /** {@code vllm:num_requests_running{model_name="llama"}}, as on the page; long label values cut. */
    private static String describe(Sample sample) {
        if (sample.labels().isEmpty()) {
            return sample.name();
        }
        StringJoiner labels = new StringJoiner(",", sample.name() + "{", "}");
        sample.labels().forEach((name, value) -> labels.add(name + "=\"" + (value.length() > 40
                ? value.substring(0, 37) + "..." : value) + '"'));
        return labels.toString();
    }

    /** A sample's identity: a page must not carry one twice. */
    private record Series(String name, Map<String, String> labels) {}

    private static boolean isProtobufStat(String contentType) {
        return contentType.startsWith("application/protobuf") || contentType.startsWith("application/x-protobuf");
    }
}
