package dev.hpa.adapter.prometheus;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.derive.PodReadings;
import dev.hpa.adapter.derive.PodValues;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.derive.ValuesUnavailableException;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.window.Observation;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
        long second = Math.floorDiv(nowMillis, 1000);
        // CPU has no membership rule, as in scrape mode: its resolution cannot tell a moved load from a new one.
        Restart restart = metric.cpu() ? null : restart(pods, metric, second);
        return ask(namespace, metric, restart, second).flatMap(byPod -> {
            if (restart != null) {
                // A pod the engine has no series for yet is not answering: as in scrape mode it restarts nobody's
                // window, or one new pod would leave every other pod out, and the HPA without a value at all.
                List<InferencePod> answering = new ArrayList<>(pods.size());
                for (InferencePod pod : pods) {
                    if (byPod.containsKey(pod.key().name())) {
                        answering.add(pod);
                    }
                }
                Restart byAnswering = restart(answering, metric, second);
                if (!Objects.equals(byAnswering, restart)) {
                    return ask(namespace, metric, byAnswering, second).map(again -> {
                        fill(pods, metric, metricSelector, byAnswering, again, second, readings);
                        return null;
                    });
                }
            }
            fill(pods, metric, metricSelector, restart, byPod, second, readings);
            return Uni.createFrom().voidItem();
        });
    }

    private Restart restart(List<InferencePod> pods, ServedMetric metric, long second) {
        return Restart.of(pods, second * 1000, recipes.windowSeconds(metric), recipes.shortestRangeSeconds());
    }

    private long rangeSeconds(ServedMetric metric, Restart restart) {
        return restart == null ? recipes.windowSeconds(metric) : restart.rangeSeconds();
    }

    /** Each pod's series of the query for {@code metric} over the range {@code restart} leaves, by pod name. */
    private Uni<Map<String, PrometheusApi.Sample>> ask(String namespace, ServedMetric metric, Restart restart,
            long second) {
        String query = recipes.query(metric, namespace, rangeSeconds(metric, restart));
        return api.query(query, second)
                .onFailure(QueryFailure.class).transform(failure -> new ValuesUnavailableException(
                        "the metric " + metric.metricName() + " cannot be read from " + api.queryUrl() + ": "
                                + failure.getMessage() + " (query: " + query + ")"))
                .map(samples -> byPod(namespace, samples));
    }

    private void fill(List<InferencePod> pods, ServedMetric metric, LabelSelector metricSelector, Restart restart,
            Map<String, PrometheusApi.Sample> byPod, long second, PodReadings readings) {
        long rangeSeconds = rangeSeconds(metric, restart);
        for (InferencePod pod : pods) {
            PrometheusApi.Sample sample = byPod.get(pod.key().name());
            String reason = restart == null ? null : restart.reasonLeftOut(pod);
            if (reason == null) {
                reason = reasonLeftOut(pod, metric, sample, metricSelector, rangeSeconds, second * 1000);
            }
            if (reason != null) {
                readings.leaveOut(pod, reason);
            } else {
                readings.add(pod, sample.labels().get("source"), sample.value(), sample.atMillis(), rangeSeconds);
            }
        }
    }

    /**
     * Scrape mode's rule against counting a moved load twice, with the moment a pod became Ready (the informer's
     * view; Prometheus never decides membership) for the moment it began answering: no pod's range reaches back
     * past the newest pod's. When pods join, load moves to them; a range that still remembers the load from before
     * in the old pods would count it twice, and the HPA, multiplying the per-pod average by the pod count, would
     * overshoot. Ranges are whole seconds ending at the query's second, so they never start before that moment.
     * Until the range has room for two of the engine's scrapes the older pods are left out: the HPA treats a
     * missing pod conservatively, a doubled one it does not.
     *
     * @param rangeSeconds the range every pod is read over
     * @param joinedMillis when the newest pod became ready
     * @param newest       its name, for the reason
     * @param shortOf      seconds until the range has room for two scrapes; 0 when it has
     */
    private record Restart(long rangeSeconds, long joinedMillis, String newest, long shortOf) {

        /** The restart the newest of {@code pods} causes at {@code atMillis}, or null when none is under way. */
        static Restart of(List<InferencePod> pods, long atMillis, long windowSeconds, long shortestSeconds) {
            InferencePod newest = null;
            for (InferencePod pod : pods) {
                if (newest == null || pod.readySinceMillis() > newest.readySinceMillis()) {
                    newest = pod;
                }
            }
            if (newest == null || newest.readySinceMillis() == Long.MIN_VALUE) {
                return null;
            }
            // A kubelet clock ahead of ours gives a moment in the future: the restart is then just beginning.
            long sinceSeconds = Math.max(0, atMillis - newest.readySinceMillis()) / 1000;
            if (sinceSeconds >= windowSeconds) {
                return null;
            }
            long range = Math.max(sinceSeconds, shortestSeconds);
            return new Restart(range, newest.readySinceMillis(), newest.key().name(),
                    Math.max(0, shortestSeconds - sinceSeconds));
        }

        String reasonLeftOut(InferencePod pod) {
            if (shortOf == 0 || pod.readySinceMillis() >= joinedMillis) {
                return null;
            }
            return "its window restarted when " + newest + " became ready; Prometheus needs " + rangeSeconds
                    + "s of samples since then (two scrapes), so values again in " + shortOf + "s";
        }
    }

    /** The series of {@code namespace}'s pods; a recipe that forgot its namespace matcher brings no strangers. */
    private Map<String, PrometheusApi.Sample> byPod(String namespace, List<PrometheusApi.Sample> samples) {
        Map<String, PrometheusApi.Sample> byPod = new HashMap<>(samples.size() * 2);
        for (PrometheusApi.Sample sample : samples) {
            String pod = recipes.podOf(namespace, sample.labels());
            if (pod != null) {
                byPod.putIfAbsent(pod, sample);
            }
        }
        return byPod;
    }

    private String reasonLeftOut(InferencePod pod, ServedMetric metric, PrometheusApi.Sample sample,
            LabelSelector metricSelector, long rangeSeconds, long atMillis) {
        String what = metric.cpu() ? "container_cpu_usage_seconds_total" : metric.signal().name().toLowerCase();
        long readyFor = atMillis - pod.readySinceMillis();
        if (sample == null && pod.readySinceMillis() != Long.MIN_VALUE && readyFor < recipes.firstValuesMillis()) {
            // Expected of every new pod, not news: the engine has yet to discover it and scrape it twice (rate).
            return "no " + what + " value yet from Prometheus: the pod became ready " + Math.max(0, readyFor) / 1000
                    + "s ago";
        }
        if (sample == null) {
            return "Prometheus has no " + what + " series for it over the last " + rangeSeconds + "s"
                    + " (is the pod scraped, with labels " + recipes.namespaceLabel() + " and " + recipes.podLabel()
                    + "?)";
        }
        // The rule of scrape mode and of the charts: a value past 2^53 (or NaN, infinite, negative) is no load.
        if (!Observation.plausible(sample.value())) {
            return "Prometheus gives it " + sample.value() + " " + what + "; a value must be a finite number from 0"
                    + " to 2^53";
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
