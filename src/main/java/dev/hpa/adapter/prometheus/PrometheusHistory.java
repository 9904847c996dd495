package dev.hpa.adapter.prometheus;

import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.derive.ValuesUnavailableException;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.Observation;
import io.smallrye.mutiny.Uni;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The status page's charts from the engine ({@code adapter.source=prometheus}): one range query per chart of the
 * same recipe query the values use, evaluated at the end of every step, through the values' own client. The
 * adapter keeps nothing, so this is the only history it has in this mode.
 */
final class PrometheusHistory implements PodHistory {

    private final PrometheusApi api;
    private final PromqlRecipes recipes;

    PrometheusHistory(PrometheusApi api, PromqlRecipes recipes) {
        this.api = api;
        this.recipes = recipes;
    }

    /**
     * Each point is the metric's own query at the end of its step. With the burst forms the page asks for, that
     * is the burst window ending there, at least four of the engine's scrape intervals (rate() needs two samples
     * in its range); the steps are shorter, so neighbouring points share samples and the line is smoother and
     * later, by up to half that window, than the scraped one. A chart for people can take that, and each point
     * is what the HPA would have read at that moment. A range of just one step would mostly hold no sample.
     */
    @Override
    public Uni<Map<PodKey, Line>> lines(String namespace, List<InferencePod> pods, ServedMetric metric,
            long fromMillis, long toMillis, int steps) {
        long step = Math.max(1, (toMillis - fromMillis) / steps);
        // The first point ends the first step, not begins it: the scraped charts' steps are (from, to] too.
        long start = toMillis - (steps - 1) * step;
        String query = recipes.query(metric, namespace);
        return api.queryRange(query, start, toMillis, step)
                .onFailure(QueryFailure.class).transform(failure -> new ValuesUnavailableException("Prometheus: "
                        + failure.getMessage()))
                .map(series -> lines(namespace, pods, series, toMillis, step, steps));
    }

    /**
     * The points of the asked pods by step. A pod may have several series over the span: the recipes are joined
     * with {@code or}, so a pod whose page changed recipe (a new image) has one series per recipe, each in its own
     * steps; they are merged, and the line is named after the newest.
     */
    Map<PodKey, Line> lines(String namespace, List<InferencePod> pods, List<PrometheusApi.Series> series,
            long toMillis, long step, int steps) {
        Map<String, PodKey> asked = new HashMap<>(pods.size() * 2);
        pods.forEach(pod -> asked.put(pod.key().name(), pod.key()));
        Map<PodKey, double[]> points = new HashMap<>();
        Map<PodKey, String> sources = new HashMap<>();
        Map<PodKey, Long> newest = new HashMap<>();
        for (PrometheusApi.Series s : series) {
            String name = recipes.podOf(namespace, s.labels());
            PodKey pod = name == null ? null : asked.get(name);
            if (pod == null) {
                continue; // a pod not asked about, or a series of no pod of this namespace
            }
            double[] line = points.computeIfAbsent(pod, p -> nan(steps));
            for (int i = 0; i < s.atMillis().length; i++) {
                int b = steps - 1 - (int) Math.round((double) (toMillis - s.atMillis()[i]) / step);
                // NaN, Inf or a negative value (0/0 in a PromQL recipe of one's own) is a gap: the adapter would not
                // serve it either
                if (b >= 0 && b < steps && Double.isNaN(line[b]) && Observation.plausible(s.values()[i])) {
                    line[b] = s.values()[i];
                }
            }
            long last = s.atMillis().length == 0 ? Long.MIN_VALUE : s.atMillis()[s.atMillis().length - 1];
            if (!newest.containsKey(pod) || last > newest.get(pod)) {
                newest.put(pod, last);
                sources.put(pod, s.labels().get("source"));
            }
        }
        Map<PodKey, Line> lines = new HashMap<>(points.size() * 2);
        points.forEach((pod, line) -> lines.put(pod, new Line(sources.get(pod), line)));
        return lines;
    }

    private static double[] nan(int steps) {
        double[] line = new double[steps];
        Arrays.fill(line, Double.NaN);
        return line;
    }
}
