package dev.hpa.adapter.prometheus;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.derive.PodReadings;
import dev.hpa.adapter.derive.PodValues;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.derive.ValuesUnavailableException;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values from a Prometheus-compatible engine ({@code adapter.source=prometheus}): one PromQL query per request's
 * namespace and metric, at the current second, shared by every request that asks the same in that second. The
 * engine only gives numbers; which pods are answered was decided before (the informer's ready pods), so a series
 * of a pod that is gone or not ready never reaches an answer, and a ready pod without a series is left out with a
 * reason. Nothing is kept between seconds: any replica answers any request the same way.
 */
public final class PrometheusValues implements PodValues {

    private final PrometheusApi api;
    private final PromqlRecipes recipes;

    public PrometheusValues(Vertx vertx, AdapterConfig config, MeterRegistry registry) {
        this.api = new PrometheusApi(vertx, config.prometheus(), registry);
        this.recipes = new PromqlRecipes(config);
    }

    @Override
    public Uni<Void> read(String namespace, List<InferencePod> pods, ServedMetric metric,
            LabelSelector metricSelector, long nowMillis, PodReadings readings) {
        String query = recipes.query(metric, namespace);
        long windowSeconds = recipes.windowSeconds(metric);
        return api.query(query, Math.floorDiv(nowMillis, 1000))
                .onFailure(QueryFailure.class).transform(failure -> new ValuesUnavailableException(
                        "the metric " + metric.metricName() + " cannot be read from " + api.queryUrl() + ": "
                                + failure.getMessage() + " (query: " + query + ")"))
                .map(samples -> {
                    Map<String, PrometheusApi.Sample> byPod = byPod(namespace, samples);
                    for (InferencePod pod : pods) {
                        PrometheusApi.Sample sample = byPod.get(pod.key().name());
                        String reason = reasonLeftOut(metric, sample, metricSelector);
                        if (reason != null) {
                            readings.leaveOut(pod, reason);
                        } else {
                            readings.add(pod, sample.labels().get("source"), sample.value(), sample.atMillis(),
                                    windowSeconds);
                        }
                    }
                    return null;
                });
    }

    /** The series of {@code namespace}'s pods; a recipe that forgot its namespace matcher brings no strangers. */
    private Map<String, PrometheusApi.Sample> byPod(String namespace, List<PrometheusApi.Sample> samples) {
        Map<String, PrometheusApi.Sample> byPod = new HashMap<>(samples.size() * 2);
        for (PrometheusApi.Sample sample : samples) {
            String pod = sample.labels().get(recipes.podLabel());
            if (pod != null && namespace.equals(sample.labels().get(recipes.namespaceLabel()))) {
                byPod.putIfAbsent(pod, sample);
            }
        }
        return byPod;
    }

    private String reasonLeftOut(ServedMetric metric, PrometheusApi.Sample sample, LabelSelector metricSelector) {
        String what = metric.cpu() ? "container_cpu_usage_seconds_total" : metric.signal().name().toLowerCase();
        if (sample == null) {
            return "Prometheus has no " + what + " series for it over the last " + recipes.window(metric)
                    + " (is the pod scraped, with labels " + recipes.namespaceLabel() + " and " + recipes.podLabel()
                    + "?)";
        }
        if (!Double.isFinite(sample.value()) || sample.value() < 0) {
            return "Prometheus gives it " + sample.value() + " " + what;
        }
        return PodReadings.labelMismatch(sample.labels().get("source"), metricSelector);
    }

    /**
     * The status page's charts from the same engine, through the same client: its connections, deadline, size cap
     * and self-metrics count the range queries with the instant ones.
     */
    public PodHistory history() {
        return new PrometheusHistory(api, recipes);
    }

    public void close() {
        api.close();
    }
}
