package dev.hpa.adapter.status;

import dev.hpa.adapter.api.ApiException;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.derive.Answer;
import dev.hpa.adapter.derive.PodHistory;
import dev.hpa.adapter.derive.PodMetrics;
import dev.hpa.adapter.derive.ServedMetric;
import dev.hpa.adapter.derive.ValuesUnavailableException;
import dev.hpa.adapter.explain.Explanation;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.LabelSelector;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.window.CpuStore;
import dev.hpa.adapter.window.NodeSeries;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One InferenceService at a glance, for people: each pod's concurrency, rps and CPU over the stable window as
 * small line charts, its HPAs' replica proposals over the last two minutes, the pods left out of the answers and
 * why, and the adapter's own health. Server-rendered HTML with inline SVG; no script, no external asset, and
 * every string from outside escaped ({@link Html}). In scrape mode everything is read from memory except a first
 * view, which replays the HPAs once ({@link ProposalHistory}); in prometheus mode the charts and the left-out pods
 * are asked of the engine.
 */
@ApplicationScoped
public class StatusPage {

    /** Pods drawn on one page; the rest are counted, and the page says so. */
    static final int MAX_PODS = 50;
    static final int BUCKETS = 30;
    static final int REFRESH_SECONDS = 10;
    /**
     * The pods' charts, left to right. The burst forms: in prometheus mode each point is the metric's query at
     * the end of its step, and the burst window is the shortest the engine fills (prometheus.PrometheusHistory).
     */
    private static final List<ServedMetric> CHARTED = List.of(ServedMetric.CONCURRENCY, ServedMetric.RPS,
            ServedMetric.CPU);
    private static final String STYLE = """
            body{font:13px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
            h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #ddd}
            h3{font-size:13px;margin:10px 0 2px}.meta,.note{color:#666}.conclusion{margin:2px 0 4px}
            table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left;vertical-align:top;
            border-bottom:1px solid #eee}th{font-weight:600;color:#444}.num{text-align:right}
            .chart{background:#fafafa;border:1px solid #e4e4e4}.axis{stroke:#bbb}.scale{font-size:9px;fill:#777}
            .ready{color:#1a7f37}.unready{color:#9a6700}.bad{color:#cf222e}small{color:#666}.legend span{margin-right:10px}
            code{font-size:12px}
            """;

    private final PodIndex pods;
    private final PodHistory history;
    private final CpuStore cpu;
    private final PodMetrics metrics;
    private final ProposalHistory proposals;
    private final AdapterHealth health;
    private final Clock clock;
    private final long windowMillis;
    /** Pods are scraped; in prometheus mode the engine is queried instead. */
    private final boolean scraping;

    public StatusPage(PodIndex pods, PodHistory history, CpuStore cpu, PodMetrics metrics,
            ProposalHistory proposals, AdapterHealth health, Clock clock, AdapterConfig config) {
        this.pods = pods;
        this.history = history;
        this.cpu = cpu;
        this.metrics = metrics;
        this.proposals = proposals;
        this.health = health;
        this.clock = clock;
        this.windowMillis = config.window().stable().toMillis();
        this.scraping = config.source() == AdapterConfig.Source.SCRAPE;
    }

    /** The page; 404 when no watched pod belongs to the InferenceService and no HPA reads it. */
    public String render(String namespace, String isvc) {
        List<InferencePod> ours = new ArrayList<>();
        for (InferencePod pod : pods.inNamespace(namespace)) {
            if (isvc.equals(pod.inferenceService())) {
                ours.add(pod);
            }
        }
        ours.sort(Comparator.comparing(p -> p.key().name()));
        ProposalHistory.Key key = new ProposalHistory.Key(namespace, isvc);
        ProposalHistory.Snapshot replays = proposals.viewed(key);
        if (ours.isEmpty() && replays.hpas().isEmpty()) {
            proposals.forget(key);
            throw new ApiException(404, "NotFound", "no pod this adapter watches belongs to inferenceservice \""
                    + isvc + "\" in namespace " + namespace + ", and no HPA there reads it",
                    new dev.hpa.adapter.api.KubeJson.Details(isvc, "serving.kserve.io", "inferenceservices"));
        }
        long now = clock.millis();
        Html html = new Html();
        html.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">")
                .raw("<meta name=\"referrer\" content=\"no-referrer\">")
                .raw("<title>").text(namespace + "/" + isvc + " · hpa-metrics-adapter").raw("</title>")
                .raw("<style>").raw(STYLE).raw("</style></head><body>")
                .raw("<h1>InferenceService <span id=\"isvc\">").text(namespace + "/" + isvc).raw("</span></h1>")
                .raw("<p class=\"meta\">hpa-metrics-adapter at ")
                .text(Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.SECONDS))
                .raw("; reloads every " + REFRESH_SECONDS + " s. Pods' charts: the last " + windowMillis / 1000
                        + " s (adapter.window.stable) in " + BUCKETS + " steps; proposals: one replay every "
                        + ProposalHistory.SAMPLE_MILLIS / 1000 + " s while this page is open, the last "
                        + ProposalHistory.POINTS * ProposalHistory.SAMPLE_MILLIS / 1000 + " s.</p>");
        hpas(html, replays);
        List<InferencePod> shown = ours.subList(0, Math.min(MAX_PODS, ours.size()));
        podCharts(html, namespace, shown, ours.size(), now);
        leftOut(html, namespace, isvc, now);
        adapter(html, shown, now);
        return html.raw("</body></html>\n").toString();
    }

    private void hpas(Html html, ProposalHistory.Snapshot replays) {
        html.raw("<section id=\"hpas\"><h2>Replica proposals</h2>");
        if (replays.hpas().isEmpty()) {
            html.raw("<p class=\"note\">No HPA in this namespace reads this InferenceService from this adapter.</p>");
        }
        for (ProposalHistory.Hpa hpa : replays.hpas()) {
            html.raw("<div class=\"hpa\"").attribute("data-hpa", hpa.name()).raw(">");
            if (hpa.latest() == null) {
                html.raw("<h3>").text(hpa.name().isEmpty() ? "HPAs" : "HPA " + hpa.name()).raw("</h3>")
                        .raw("<p class=\"bad\">").text(hpa.error()).raw("</p></div>");
                continue;
            }
            Explanation e = hpa.latest();
            html.raw("<h3>HPA ").text(hpa.name()).raw(" <small>→ ").text(e.hpa().scaleTargetRef() + ", "
                    + e.hpa().minReplicas() + ".." + e.hpa().maxReplicas() + " replicas, " + targets(e))
                    .raw("</small></h3>").raw("<p class=\"conclusion\">").text(e.conclusion()).raw("</p>");
            double[] current = new double[ProposalHistory.POINTS];
            double[] proposed = new double[ProposalHistory.POINTS];
            Arrays.fill(current, Double.NaN);
            Arrays.fill(proposed, Double.NaN);
            List<ProposalHistory.Point> points = hpa.points();
            int offset = ProposalHistory.POINTS - points.size(); // newest at the right edge
            for (int i = 0; i < points.size(); i++) {
                current[offset + i] = points.get(i).current();
                proposed[offset + i] = points.get(i).replicas();
            }
            LineChart.render(html, "replicas", "replicas", "last " + ProposalHistory.POINTS
                    * ProposalHistory.SAMPLE_MILLIS / 1000 + " s", List.of(new LineChart.Series("current", current),
                    new LineChart.Series("proposal", proposed)));
            html.raw("<div class=\"legend\"><span style=\"color:#0072b2\">— current</span>"
                    + "<span style=\"color:#e69f00\">- - proposal</span></div></div>");
        }
        if (replays.skipped() > 0) {
            html.raw("<p class=\"note\">").text(replays.skipped() + " more HPA(s) in this namespace not replayed (at "
                    + "most " + ProposalHistory.MAX_HPAS + "): use the explain answer for them.").raw("</p>");
        }
        html.raw("</section>");
    }

    private static String targets(Explanation e) {
        List<String> targets = new ArrayList<>();
        for (Explanation.Metric m : e.metrics()) {
            targets.add(m.name() + (m.target() == null ? "" : " " + m.target()));
        }
        return String.join(", ", targets);
    }

    /** One metric's lines of the pods shown, or why there are none. */
    private record Chart(Map<PodKey, PodHistory.Line> lines, String unavailable) {}

    private void podCharts(Html html, String namespace, List<InferencePod> shown, int total, long now) {
        html.raw("<section id=\"pods\"><h2>Pods (").text(total).raw(")</h2>");
        if (total > shown.size()) {
            html.raw("<p class=\"note\">").text("The first " + shown.size() + " of " + total + " pods, by name; "
                    + "the explain answer and the metrics API have all of them.").raw("</p>");
        }
        if (shown.isEmpty()) {
            html.raw("<p class=\"note\">No pod this adapter watches carries this InferenceService's label.</p>");
        }
        html.raw("<table><tr><th>pod</th><th>state</th><th>concurrency</th><th>rps</th><th>CPU (cores)</th></tr>");
        String span = "last " + windowMillis / 1000 + " s";
        List<Chart> charts = charts(namespace, shown, now);
        // Read first, drawn after: one scale per metric for all pods, so that a pod carrying more stands out.
        double[] top = new double[CHARTED.size()];
        for (int m = 0; m < CHARTED.size(); m++) {
            for (PodHistory.Line line : charts.get(m).lines().values()) {
                top[m] = Math.max(top[m], LineChart.max(List.of(new LineChart.Series("", line.points()))));
            }
        }
        String[][] legends = {{"concurrency", ""}, {"rps", "/s"}, {"cpu", "cores"}};
        for (InferencePod pod : shown) {
            String name = pod.key().name();
            PodHistory.Line load = charts.get(0).lines().get(pod.key());
            html.raw("<tr class=\"pod\"").attribute("data-pod", name).raw("><td>").text(name);
            if (load != null && load.source() != null) {
                html.raw("<br><small>").text(load.source()).raw("</small>");
            }
            html.raw("</td><td class=\"").raw(pod.ready() ? "ready\">ready" : "unready\">not ready").raw("</td>");
            for (int m = 0; m < CHARTED.size(); m++) {
                html.raw("<td>");
                PodHistory.Line line = charts.get(m).lines().get(pod.key());
                if (charts.get(m).unavailable() != null) {
                    html.raw("<span class=\"bad\">").text(charts.get(m).unavailable()).raw("</span>");
                } else if (line == null) {
                    html.raw("<span class=\"note\">no samples</span>");
                } else {
                    LineChart.render(html, legends[m][0], legends[m][1], span,
                            List.of(new LineChart.Series(name, line.points())), top[m]);
                }
                html.raw("</td>");
            }
            html.raw("</tr>");
        }
        html.raw("</table></section>");
    }

    /**
     * The three charts' lines, asked at once: in prometheus mode each is a range query, which the page waits for on
     * its worker thread (StatusPageResource is @Blocking), bounded by adapter.prometheus.timeout. A chart the
     * source cannot give says why in its cells; the rest of the page stands.
     */
    private List<Chart> charts(String namespace, List<InferencePod> shown, long now) {
        List<Uni<Chart>> asked = new ArrayList<>(CHARTED.size());
        for (ServedMetric metric : CHARTED) {
            asked.add(history.lines(namespace, shown, metric, now - windowMillis, now, BUCKETS)
                    .map(lines -> new Chart(lines, null))
                    .onFailure(ValuesUnavailableException.class)
                    .recoverWithItem(e -> new Chart(Map.of(), e.getMessage())));
        }
        return Uni.join().all(asked).andFailFast().await().indefinitely();
    }

    private void leftOut(Html html, String namespace, String isvc, long now) {
        // The page is rendered on a worker thread (StatusPageResource is @Blocking): it may wait for the values,
        // which the source bounds by its own deadline (adapter.prometheus.timeout in prometheus mode).
        html.raw("<section id=\"left-out\"><h2>Left out of the answers</h2>");
        Answer load;
        Answer cores;
        try {
            // Both at once: against an engine that hangs, the page waits one deadline here, not two.
            Tuple2<Answer, Answer> both = Uni.combine().all().unis(
                    metrics.forInferenceService(namespace, isvc, ServedMetric.CONCURRENCY, LabelSelector.EVERYTHING,
                            now),
                    metrics.forInferenceService(namespace, isvc, ServedMetric.CPU, LabelSelector.EVERYTHING, now))
                    .asTuple().await().indefinitely();
            load = both.getItem1();
            cores = both.getItem2();
        } catch (ValuesUnavailableException e) {
            // The engine cannot answer (prometheus mode): said here as the HPA gets it, not a failed page, which
            // is where one looks when the HPA stops scaling.
            html.raw("<p class=\"bad\">").text(e.getMessage()).raw("</p></section>");
            return;
        }
        int rows = 0;
        Html table = new Html();
        for (Map.Entry<String, String> e : load.leftOut().entrySet()) {
            leftOutRow(table, e.getKey(), "concurrency, rps", e.getValue(), rows++);
        }
        for (Map.Entry<String, String> e : cores.leftOut().entrySet()) {
            // A pod not on a node has no kubelet to read yet: not news next to its load's reason.
            if (!"not on a node yet".equals(e.getValue()) && !"not ready".equals(e.getValue())) {
                leftOutRow(table, e.getKey(), "cpu", e.getValue(), rows++);
            }
        }
        if (rows > 0) {
            html.raw("<table><tr><th>pod</th><th>metrics</th><th>why</th></tr>").append(table)
                    .raw("</table>");
        }
        if (rows == 0) {
            html.raw("<p class=\"note\">None: every pod of this InferenceService has a value.</p>");
        } else if (rows > MAX_PODS) {
            html.raw("<p class=\"note\">").text((rows - MAX_PODS) + " more not shown.").raw("</p>");
        }
        html.raw("</section>");
    }

    /** The {@code row}-th row, unless the table is full. */
    private static void leftOutRow(Html html, String pod, String metrics, String why, int row) {
        if (row < MAX_PODS) {
            html.raw("<tr class=\"left-out\"").attribute("data-pod", pod).raw("><td>").text(pod).raw("</td><td>")
                    .text(metrics).raw("</td><td>").text(why).raw("</td></tr>");
        }
    }

    private void adapter(Html html, List<InferencePod> shown, long now) {
        AdapterHealth.Summary summary = health.summary();
        html.raw("<section id=\"adapter\"><h2>The adapter</h2>");
        scrapes(html, scraping ? "Pod scrapes" : "PromQL queries", summary.values());
        if (summary.kubelets() != null) {
            scrapes(html, "Kubelet reads", summary.kubelets());
        }
        TreeSet<String> nodes = new TreeSet<>();
        shown.forEach(p -> {
            if (summary.kubelets() != null && p.ready() && p.nodeName() != null) {
                nodes.add(p.nodeName());
            }
        });
        if (!nodes.isEmpty()) {
            html.raw("<h3>Kubelets of these pods' nodes</h3><table><tr><th>node</th><th>state</th></tr>");
            for (String node : nodes) {
                NodeSeries series = cpu.node(node);
                String state = series == null ? "not read yet" : series.problem() != null ? series.problem()
                        : series.usage(node, now) != null ? "ok" : "answering, fewer than two samples yet";
                html.raw("<tr class=\"kubelet\"").attribute("data-node", node).raw("><td>").text(node)
                        .raw("</td><td").raw("ok".equals(state) ? ">" : " class=\"bad\">").text(state)
                        .raw("</td></tr>");
            }
            html.raw("</table>");
        }
        html.raw("<h3>API answers since start</h3>");
        if (summary.api().isEmpty()) {
            html.raw("<p class=\"note\">None yet.</p>");
        } else {
            html.raw("<table><tr><th>route</th><th class=\"num\">answers</th><th class=\"num\">mean</th>"
                    + "<th class=\"num\">max (recent)</th></tr>");
            for (AdapterHealth.Route r : summary.api()) {
                html.raw("<tr class=\"route\"><td><code>").text(r.uri()).raw("</code></td><td class=\"num\">")
                        .text(r.count()).raw("</td><td class=\"num\">").text(LineChart.format(r.meanMillis()) + " ms")
                        .raw("</td><td class=\"num\">").text(LineChart.format(r.maxMillis()) + " ms")
                        .raw("</td></tr>");
            }
            html.raw("</table>");
        }
        html.raw("</section>");
    }

    private static void scrapes(Html html, String what, AdapterHealth.Scrapes s) {
        html.raw("<p class=\"scrapes\">").raw("<b>").text(what).raw("</b>: ");
        if (s.lastMinuteOk() >= 0) {
            long all = s.lastMinuteOk() + s.lastMinuteFailed();
            html.text(all == 0 ? "none in the last " + s.lastMinuteSeconds() + " s"
                    : String.format(java.util.Locale.ROOT, "%.1f %% successful in the last %d s (%d of %d)",
                            100.0 * s.lastMinuteOk() / all, s.lastMinuteSeconds(), s.lastMinuteOk(), all));
        } else {
            html.text("the adapter has run for less than a minute");
        }
        List<String> outcomes = new ArrayList<>();
        s.outcomes().forEach((outcome, count) -> outcomes.add(outcome + " " + count));
        html.raw("; since start: ").text(outcomes.isEmpty() ? "none" : String.join(", ", outcomes)).raw("</p>");
    }
}
