package dev.hpa.adapter.prometheus;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.scrape.Recipe;
import dev.hpa.adapter.window.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The recipes as PromQL: one instant query per metric and namespace that gives every pod of the namespace one
 * series, labelled with its namespace, its pod and the recipe it was read by ({@code source}).
 *
 * <p>The scrape recipes translate one to one: gauges of requests in flight become {@code avg_over_time} over the
 * window, counters become {@code rate}, times their scale, summed per pod over all their series as the page reader
 * sums them. Recipes are joined with {@code or on(namespace, pod)}, so a pod that publishes the series of several
 * is read by the first, as on a scraped page. CPU is the kubelet's cAdvisor counter, as metrics-server reads it.
 */
final class PromqlRecipes {

    static final String NAMESPACE = "<<namespace>>";
    static final String WINDOW = "<<window>>";

    /** The metric label of CPU values, as in scrape mode: the kubelet's cAdvisor measures it. */
    static final String KUBELET_SOURCE = "kubelet";

    /**
     * Knative's queue-proxy serves its protobuf Stat on :9090, which Prometheus cannot read; up to Knative 1.18 its
     * user metrics on :9091 (OpenCensus) give each request's latency in milliseconds and the request count.
     */
    static final Recipe KNATIVE_USER_METRICS = new Recipe("knative-queue-proxy",
            Recipe.Series.counter(1e-3, "revision_request_latencies_sum"),
            Recipe.Series.counter(1, "revision_request_count"));

    /**
     * From Knative 1.19 the queue-proxy measures with OpenTelemetry: with {@code request-metrics-protocol:
     * prometheus} its :9091 page has each request's time in the user container as the histogram
     * {@code kn.serving.invocation.duration} (seconds; the exporter appends the unit), whose sum grows by each
     * request's latency: Little's law, as for the older names.
     */
    static final Recipe KNATIVE_OTEL_METRICS = new Recipe("knative-queue-proxy-otel",
            Recipe.Series.counter(1, "kn_serving_invocation_duration_seconds_sum"),
            Recipe.Series.counter(1, "kn_serving_invocation_duration_seconds_count"));

    private final String namespaceLabel;
    private final String podLabel;
    private final String concurrency;
    private final String rps;
    private final String cpu;
    private final long burstSeconds;
    private final long stableSeconds;
    private final long shortestRangeSeconds;
    private final long firstValuesMillis;

    PromqlRecipes(AdapterConfig config) {
        AdapterConfig.Prometheus prometheus = config.prometheus();
        this.namespaceLabel = prometheus.namespaceLabel();
        this.podLabel = prometheus.podLabel();
        List<String> concurrencyTerms = new ArrayList<>();
        List<String> rpsTerms = new ArrayList<>();
        prometheus.recipes().forEach((name, recipe) -> {
            concurrencyTerms.add(labelled(name, recipe.concurrency()));
            recipe.rps().ifPresent(rps -> rpsTerms.add(labelled(name, rps)));
        });
        List<Recipe> scraped = new ArrayList<>();
        config.recipes().forEach((name, recipe) -> scraped.add(Recipe.fromConfig(name, recipe)));
        // queue-proxy before the model servers, as scrape mode prefers it: it also counts the requests queued in
        // front of the server, and its rps must not be taken from the otelhttp series beside it.
        scraped.add(KNATIVE_OTEL_METRICS);
        scraped.add(KNATIVE_USER_METRICS);
        scraped.addAll(Recipe.BUILT_IN);
        for (Recipe recipe : scraped) {
            concurrencyTerms.add(labelled(recipe.name(), series(recipe.concurrency())));
            if (recipe.rps() != null) {
                rpsTerms.add(labelled(recipe.name(), series(recipe.rps())));
            }
        }
        String on = " or on(" + namespaceLabel + ", " + podLabel + ") ";
        this.concurrency = String.join(on, concurrencyTerms);
        this.rps = String.join(on, rpsTerms);
        this.cpu = labelled(KUBELET_SOURCE, sumByPod("rate(container_cpu_usage_seconds_total{" + namespaceLabel
                + "=\"" + NAMESPACE + "\",container!=\"\",container!=\"POD\"}[" + WINDOW + "])"));
        this.burstSeconds = range(config.window().burst(), prometheus.scrapeInterval());
        this.stableSeconds = range(config.window().stable(), prometheus.scrapeInterval());
        this.shortestRangeSeconds = (prometheus.scrapeInterval().toMillis() * 2 + 1000 + 999) / 1000;
        this.firstValuesMillis = prometheus.scrapeInterval().toMillis() * 4;
    }

    /** The query for {@code metric} over the pods of {@code namespace}, over its whole window. */
    String query(ServedMetric metric, String namespace) {
        return query(metric, namespace, windowSeconds(metric));
    }

    /** The query for {@code metric} over the pods of {@code namespace}, reaching back {@code rangeSeconds}. */
    String query(ServedMetric metric, String namespace, long rangeSeconds) {
        String template = metric.cpu() ? cpu : metric.signal() == Signal.CONCURRENCY ? concurrency : rps;
        return template.replace(NAMESPACE, labelValue(namespace)).replace(WINDOW, rangeSeconds + "s");
    }

    /** The range every selector of {@code metric} reaches back, in seconds, when no window restarts. */
    long windowSeconds(ServedMetric metric) {
        return metric.stable() ? stableSeconds : burstSeconds;
    }

    /**
     * The shortest range a restarted window may have: {@code rate()} needs two samples in it, so two scrape
     * intervals of the engine and a second for their jitter.
     */
    long shortestRangeSeconds() {
        return shortestRangeSeconds;
    }

    /**
     * The pod a series of {@code namespace}'s query belongs to, by its labels; null for a series without one or of
     * another namespace: a recipe of one's own that forgot its namespace matcher brings no strangers.
     */
    String podOf(String namespace, Map<String, String> labels) {
        String pod = labels.get(podLabel);
        return pod != null && namespace.equals(labels.get(namespaceLabel)) ? pod : null;
    }

    String namespaceLabel() {
        return namespaceLabel;
    }

    String podLabel() {
        return podLabel;
    }

    /**
     * A window, stretched to four scrape intervals of the engine: {@code rate()} needs two samples in its range,
     * and four intervals leave room for a missed scrape and jitter.
     */
    /**
     * How long after becoming ready a pod may have no series without that being news: four scrape intervals of
     * the engine, room to discover it, scrape it twice and miss one.
     */
    long firstValuesMillis() {
        return firstValuesMillis;
    }

    private static long range(Duration window, Duration scrapeInterval) {
        return Math.max(window.toSeconds(), (scrapeInterval.toMillis() * 4 + 999) / 1000);
    }

    /**
     * The signal of one recipe per pod. Several series names are summed per pod after each has its own function
     * applied: one selector over all of them would give two series with the same labels once the function drops
     * the names (tgi_queue_size and tgi_batch_current_size of the same pod), which PromQL refuses; so each name
     * gets its own sum, kept apart in the union by a label of its name, and the union is summed.
     */
    private String series(Recipe.Series series) {
        List<String> perName = new ArrayList<>();
        for (String name : series.names()) {
            String selector = "{__name__=\"" + labelValue(name) + "\"," + namespaceLabel + "=\"" + NAMESPACE + "\"}["
                    + WINDOW + "]";
            perName.add(sumByPod((series.counter() ? "rate(" : "avg_over_time(") + selector + ")"));
        }
        String perPod;
        if (perName.size() == 1) {
            perPod = perName.get(0);
        } else {
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < perName.size(); i++) {
                kept.add("label_replace(" + perName.get(i) + ", \"series\", \"" + labelValue(series.names().get(i))
                        + "\", \"\", \"\")");
            }
            perPod = sumByPod(String.join(" or ", kept));
        }
        return series.scale() == 1 ? perPod : perPod + " * " + series.scale();
    }

    private String sumByPod(String expression) {
        return "sum by (" + namespaceLabel + ", " + podLabel + ") (" + expression + ")";
    }

    private static String labelled(String source, String expression) {
        return "label_replace(" + expression + ", \"source\", \"" + labelValue(source) + "\", \"\", \"\")";
    }

    /** A string as a PromQL double-quoted literal's content. */
    static String labelValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
