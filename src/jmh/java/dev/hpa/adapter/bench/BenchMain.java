package dev.hpa.adapter.bench;

import dev.hpa.adapter.api.ApiVersion;
import dev.hpa.adapter.api.MetricValueWriterBenchmark;
import dev.hpa.adapter.scrape.PageParseBenchmark;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs the benchmarks like {@code org.openjdk.jmh.Main}, with the same options, then prints what one run lets
 * us compare on a shared, noisy machine: throughputs in MB/s and ratios between benchmarks of the same run.
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Collection<RunResult> results;
        try {
            results = new Runner(options).run();
        } catch (RunnerException e) {
            System.err.println("ERROR: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        summary(results);
    }

    /** Scores in ns/op by "Class.method" or "Class.method:param". */
    private static void summary(Collection<RunResult> results) {
        Map<String, Result<?>> scores = new HashMap<>();
        for (RunResult run : results) {
            String benchmark = run.getParams().getBenchmark();
            String key = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            for (String param : run.getParams().getParamsKeys()) {
                key += ":" + run.getParams().getParam(param);
            }
            if (!"ns/op".equals(run.getPrimaryResult().getScoreUnit())) {
                System.out.println("(summary skips " + key + ": not in ns/op)");
                continue;
            }
            scores.put(key, run.getPrimaryResult());
        }
        System.out.println();
        System.out.println("Summary (one run; MB = 10^6 bytes; ± is JMH's 99.9 % interval; ratios use the means)");
        pages(scores);
        window(scores);
        writer(scores);
    }

    private static void pages(Map<String, Result<?>> scores) {
        boolean header = false;
        for (String page : PageParseBenchmark.PAGES) {
            Result<?> parse = scores.get("PageParseBenchmark.parse:" + page);
            Result<?> scan = scores.get("PageParseBenchmark.newlineScan:" + page);
            if (parse == null && scan == null) {
                continue;
            }
            if (!header) {
                System.out.println();
                System.out.println("PrometheusTextParser.parse, wanted = the built-in recipes' series, vs a newline count");
                System.out.printf("%-14s %9s %20s %9s %20s %9s %14s%n",
                        "page", "bytes", "parse ns/op", "MB/s", "newlines ns/op", "MB/s", "parse/newlines");
                header = true;
            }
            int bytes = PageParseBenchmark.page(page).length;
            System.out.printf("%-14s %9d %20s %9s %20s %9s %14s%n", page, bytes, nanos(parse), mbps(bytes, parse),
                    nanos(scan), mbps(bytes, scan), ratio(parse, scan));
        }
    }

    private static void window(Map<String, Result<?>> scores) {
        Result<?> record = scores.get("WindowBenchmark.record");
        Result<?> burst = scores.get("WindowBenchmark.average6s");
        Result<?> stable = scores.get("WindowBenchmark.average60s");
        if (record == null && burst == null && stable == null) {
            return;
        }
        System.out.println();
        System.out.println("PodSeries, full 60 s ring of 1 s observations");
        System.out.printf("%-22s %20s%n", "record (one scrape)", nanos(record));
        System.out.printf("%-22s %20s%n", "average over 6 s", nanos(burst));
        System.out.printf("%-22s %20s   (%s of the 6 s one)%n", "average over 60 s", nanos(stable), ratio(stable, burst));
    }

    private static void writer(Map<String, Result<?>> scores) {
        boolean header = false;
        Result<?> v1beta2 = scores.get("MetricValueWriterBenchmark.write:V1BETA2");
        for (ApiVersion version : new ApiVersion[] {ApiVersion.V1BETA2, ApiVersion.V1BETA1}) {
            Result<?> write = scores.get("MetricValueWriterBenchmark.write:" + version.name());
            if (write == null) {
                continue;
            }
            if (!header) {
                System.out.println();
                System.out.println("MetricValueWriter.write, 100 pod values");
                System.out.printf("%-10s %9s %20s %9s %12s%n", "version", "bytes", "ns/op", "MB/s", "vs v1beta2");
                header = true;
            }
            int bytes = MetricValueWriterBenchmark.bodyBytes(version);
            System.out.printf("%-10s %9d %20s %9s %12s%n", version.version(), bytes, nanos(write), mbps(bytes, write),
                    ratio(write, v1beta2));
        }
    }

    private static String nanos(Result<?> r) {
        if (r == null) {
            return "-";
        }
        return Double.isNaN(r.getScoreError())
                ? String.format(Locale.ROOT, "%.1f", r.getScore())
                : String.format(Locale.ROOT, "%.1f ± %.1f", r.getScore(), r.getScoreError());
    }

    private static String mbps(int bytes, Result<?> r) {
        return r == null ? "-" : String.format(Locale.ROOT, "%.0f", bytes / r.getScore() * 1e3); // bytes/ns = GB/s
    }

    private static String ratio(Result<?> a, Result<?> b) {
        return a == null || b == null ? "-" : String.format(Locale.ROOT, "%.2f×", a.getScore() / b.getScore());
    }
}
