package dev.hpa.adapter.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart as inline SVG: one polyline per series over equally spaced points, a gap where a point is
 * NaN, the y axis from 0 to the largest value. Each series carries its name and last value as data attributes,
 * last value and mean as data attributes, so that a reader (or a test) can tell which line is which without
 * parsing coordinates.
 */
final class LineChart {

    static final int WIDTH = 240;
    static final int HEIGHT = 64;
    private static final int TOP = 12;
    /** Colour-blind-safe (Okabe-Ito), cycled. */
    private static final String[] COLOURS = {"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
        "#f0e442", "#000000"};

    record Series(String name, double[] points) {
        /** The newest value, or NaN when the series has none. */
        double last() {
            for (int i = points.length - 1; i >= 0; i--) {
                if (!Double.isNaN(points[i])) {
                    return points[i];
                }
            }
            return Double.NaN;
        }

        /** The mean of its defined points, or NaN. */
        double mean() {
            double sum = 0;
            int n = 0;
            for (double v : points) {
                if (Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    private LineChart() {}

    /**
     * @param metric what the chart shows ({@code concurrency}), for its class and title
     * @param span   the time the x axis covers, in words ({@code last 60 s})
     */
    static void render(Html html, String metric, String unit, String span, List<Series> series) {
        render(html, metric, unit, span, series, max(series));
    }

    /** The same on a given scale, {@code max} at the top: charts side by side compare at a glance. */
    static void render(Html html, String metric, String unit, String span, List<Series> series, double max) {
        double top = max > 0 ? max : 1;
        html.raw("<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"")
                .attribute("data-metric", metric).attribute("width", WIDTH).attribute("height", HEIGHT)
                .attribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT).raw(">")
                .raw("<title>").text(metric + " (" + unit + "), " + span).raw("</title>")
                .raw("<line class=\"axis\" x1=\"0\" y1=\"" + (HEIGHT - 1) + "\" x2=\"" + WIDTH + "\" y2=\""
                        + (HEIGHT - 1) + "\"/>")
                .raw("<text class=\"scale\" x=\"2\" y=\"9\">").text(format(max) + " " + unit).raw("</text>");
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            for (String points : segments(s.points(), top)) {
                // every other series dashed, so that two equal lines (a proposal that keeps the count) both show
                html.raw("<polyline fill=\"none\" stroke-width=\"1.5\"").attribute("stroke", colour)
                        .raw(i % 2 == 1 ? " stroke-dasharray=\"5 3\"" : "")
                        .attribute("data-series", s.name()).attribute("data-last", format(s.last()))
                        .attribute("data-mean", format(s.mean()))
                        .attribute("points", points).raw("><title>").text(s.name() + ": " + format(s.last()) + " "
                                + unit + " now, " + format(s.mean()) + " on average").raw("</title></polyline>");
            }
        }
        html.raw("</svg>");
    }

    /** The largest point of any series; 0 for none. */
    static double max(List<Series> series) {
        double max = 0;
        for (Series s : series) {
            for (double v : s.points()) {
                if (v > max) {
                    max = v;
                }
            }
        }
        return max;
    }

    /** The runs of defined points, each as an SVG points list; a lone point becomes a short dash. */
    private static List<String> segments(double[] values, double top) {
        List<String> runs = new ArrayList<>();
        List<double[]> run = new ArrayList<>();
        double step = values.length > 1 ? (double) WIDTH / (values.length - 1) : WIDTH;
        for (int i = 0; i <= values.length; i++) {
            if (i < values.length && Double.isFinite(values[i])) {
                run.add(new double[] {i * step, HEIGHT - 1 - (HEIGHT - 1 - TOP) * Math.max(0, values[i]) / top});
                continue;
            }
            if (run.isEmpty()) {
                continue;
            }
            if (run.size() == 1) { // a polyline of one point draws nothing
                double[] only = run.get(0);
                run.add(0, new double[] {Math.max(0, only[0] - 3), only[1]});
            }
            StringBuilder points = new StringBuilder();
            for (double[] p : run) {
                points.append(points.isEmpty() ? "" : " ").append(coordinate(p[0], p[1]));
            }
            runs.add(points.toString());
            run.clear();
        }
        return runs;
    }

    private static String coordinate(double x, double y) {
        return String.format(Locale.ROOT, "%.1f,%.1f", x, y);
    }

    /** Three significant figures at most, as a person reads a chart. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        if (v == Math.rint(v) && abs < 1e6) {
            return String.format(Locale.ROOT, "%.0f", v); // replicas, and a level that is whole
        }
        String pattern = abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }
}
