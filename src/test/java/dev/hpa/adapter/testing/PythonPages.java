package dev.hpa.adapter.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pages of servers that expose metrics through Python prometheus_client (KServe model server, vLLM):
 * Python number spelling, {@code _count} before {@code _sum}, {@code _created} as its own gauge family in
 * 0.0.4 text and inside the family in OpenMetrics (both servers negotiate on Accept).
 */
final class PythonPages {
    private PythonPages() {
    }

    /** KServe python model server: request_*_seconds histograms per model_name; no in-flight gauge. */
    static String kserve(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.PYTHON, ctx.openMetrics(), ctx.corrupt("request_predict_seconds_sum"));
        BulkFamilies.process(page, ctx.startEpochSeconds(), s.uptimeSeconds());
        BulkFamilies.python(page);
        String labels = "model_name=\"" + ctx.model() + "\"";
        double created = ctx.startEpochSeconds();
        // pre- and postprocess run for every request too, but take next to no time here
        Histogram tiny = Histogram.ofTotals(Histogram.PYTHON_DEFAULT, s.completed(), s.completed() * 2e-5);
        histogram(page, "request_preprocess_seconds", "pre-process request latency", labels, tiny, created);
        histogram(page, "request_predict_seconds", "predict request latency", labels, s.pythonSeconds(), created);
        histogram(page, "request_postprocess_seconds", "post-process request latency", labels, tiny, created);
        // a labelled histogram nobody observed yet: HELP and TYPE with no samples
        page.family("request_explain_seconds", "histogram", "explain request latency");
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    /** vLLM V1 PrometheusStatLogger: in-flight as running + waiting gauges, plus counters and histograms. */
    static String vllm(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.PYTHON, ctx.openMetrics(), ctx.corrupt("vllm:num_requests_running"));
        BulkFamilies.process(page, ctx.startEpochSeconds(), s.uptimeSeconds());
        BulkFamilies.python(page);
        String labels = "model_name=\"" + ctx.model() + "\",engine=\"0\"";
        double created = ctx.startEpochSeconds();
        page.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
                .sample("vllm:num_requests_running", labels, s.running());
        page.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
                .sample("vllm:num_requests_waiting", labels, s.waiting());
        page.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
                .sample("vllm:kv_cache_usage_perc", labels, Math.min(1.0, s.running() * 0.04));
        counter(page, "vllm:num_preemptions", "Cumulative number of preemption from the engine.",
                Map.of(labels, 0.0), created);
        counter(page, "vllm:prompt_tokens", "Number of prefill tokens processed.",
                Map.of(labels, s.arrivals() * 12.0), created);
        counter(page, "vllm:generation_tokens", "Number of generation tokens processed.",
                Map.of(labels, s.completed() * 32.0), created);
        Map<String, Double> byReason = new LinkedHashMap<>();
        byReason.put(labels + ",finished_reason=\"stop\"", (double) s.completed());
        byReason.put(labels + ",finished_reason=\"length\"", 0.0);
        byReason.put(labels + ",finished_reason=\"abort\"", 0.0);
        counter(page, "vllm:request_success", "Count of successfully processed requests.", byReason, created);
        histogram(page, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
                labels, s.vllmSeconds(), created);
        Histogram queueTime = Histogram.ofTotals(Histogram.VLLM_E2E, s.completed(), s.waitingNanos() / 1e9);
        histogram(page, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.",
                labels, queueTime, created);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    private static void counter(TextPage page, String base, String help, Map<String, Double> values, double created) {
        page.counterFamily(base, help);
        values.forEach((labels, value) -> page.sample(base + "_total", labels, value));
        created(page, base, help, values.keySet().toArray(String[]::new), created);
    }

    private static void histogram(TextPage page, String name, String help, String labels, Histogram h, double created) {
        page.family(name, "histogram", help).histogramSamples(name, labels, h, true);
        created(page, name, help, new String[] {labels}, created);
    }

    /** prometheus_client writes _created inside the family in OpenMetrics, as a separate gauge family in 0.0.4. */
    private static void created(TextPage page, String base, String help, String[] labelSets, double created) {
        if (!page.openMetrics()) {
            page.family(base + "_created", "gauge", help);
        }
        for (String labels : labelSets) {
            page.sample(base + "_created", labels, created);
        }
    }
}
