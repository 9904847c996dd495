package dev.hpa.adapter.testing;

/**
 * Pages of servers with their own exposition code: TorchServe (Java simpleclient), Triton (prometheus-cpp)
 * and Hugging Face TGI (Rust metrics-exporter-prometheus). Latency counters grow at completion by the whole
 * latency of each request, as theirs do.
 */
final class NativePages {
    private NativePages() {
    }

    /** TorchServe with metrics_mode=prometheus: ts_* counters, frontend gauges, and the trailing comma in labels. */
    static String torchServe(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.JAVA, false, ctx.corrupt("ts_inference_latency_microseconds"));
        String model = "model_name=\"" + ctx.model() + "\",model_version=\"default\",hostname=\"" + ctx.pod() + "\",";
        String host = "Level=\"Host\",Hostname=\"" + ctx.pod() + "\",";
        torchServeMetric(page, "ts_inference_requests_total", "counter", "Count", model, s.arrivals());
        torchServeMetric(page, "ts_inference_latency_microseconds", "counter", "Microseconds", model,
                s.latencyNanos() / 1e3);
        torchServeMetric(page, "ts_queue_latency_microseconds", "counter", "Microseconds", model,
                s.waitingNanos() / 1e3);
        torchServeMetric(page, "Requests2XX", "counter", "Count", host, s.completed());
        torchServeMetric(page, "Requests4XX", "counter", "Count", host, 0);
        torchServeMetric(page, "Requests5XX", "counter", "Count", host, 0);
        torchServeMetric(page, "QueueTime", "gauge", "Milliseconds", host, 0.0);
        torchServeMetric(page, "WorkerThreadTime", "gauge", "Milliseconds", host, 1.0);
        torchServeMetric(page, "CPUUtilization", "gauge", "Percent", host, 12.5);
        torchServeMetric(page, "MemoryUsed", "gauge", "Megabytes", host, 2311.83984375);
        torchServeMetric(page, "MemoryAvailable", "gauge", "Megabytes", host, 13802.5);
        torchServeMetric(page, "MemoryUtilization", "gauge", "Percent", host, 17.9);
        torchServeMetric(page, "DiskUsage", "gauge", "Gigabytes", host, 31.2);
        torchServeMetric(page, "DiskAvailable", "gauge", "Gigabytes", host, 68.7);
        torchServeMetric(page, "DiskUtilization", "gauge", "Percent", host, 31.3);
        String modelLevel = "ModelName=\"" + ctx.model() + "\",Level=\"Model\",Hostname=\"" + ctx.pod() + "\",";
        torchServeMetric(page, "HandlerTime", "gauge", "ms", modelLevel, 183.2);
        torchServeMetric(page, "PredictionTime", "gauge", "ms", modelLevel, 183.24);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    /** Triton: nv_inference_* counters without _total, integral microseconds, pending count = waiting part. */
    static String triton(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.PLAIN, false, ctx.corrupt("nv_inference_request_duration_us"));
        String labels = "model=\"" + ctx.model() + "\",version=\"1\"";
        tritonMetric(page, "nv_inference_request_success", "counter",
                "Number of successful inference requests, all batch sizes", labels, s.completed());
        page.family("nv_inference_request_failure", "counter", "Number of failed inference requests, all batch sizes");
        for (String reason : new String[] {"BACKEND", "CANCELED", "OTHER", "REJECTED"}) {
            page.sample("nv_inference_request_failure", "model=\"" + ctx.model() + "\",reason=\"" + reason
                    + "\",version=\"1\"", 0);
        }
        tritonMetric(page, "nv_inference_count", "counter",
                "Number of inferences performed (does not include cached requests)", labels, s.completed());
        tritonMetric(page, "nv_inference_exec_count", "counter",
                "Number of model executions performed (does not include cached requests)", labels, s.completed());
        tritonMetric(page, "nv_inference_request_duration_us", "counter",
                "Cumulative inference request duration in microseconds (includes cached requests)", labels,
                micros(s.latencyNanos()));
        tritonMetric(page, "nv_inference_queue_duration_us", "counter",
                "Cumulative inference queuing duration in microseconds (includes cached requests)", labels,
                micros(s.waitingNanos()));
        tritonMetric(page, "nv_inference_compute_input_duration_us", "counter",
                "Cumulative compute input duration in microseconds (does not include cached requests)", labels,
                s.completed() * 30);
        tritonMetric(page, "nv_inference_compute_infer_duration_us", "counter",
                "Cumulative compute inference duration in microseconds (does not include cached requests)", labels,
                micros(s.runningNanos()));
        tritonMetric(page, "nv_inference_compute_output_duration_us", "counter",
                "Cumulative inference compute output duration in microseconds (does not include cached requests)",
                labels, s.completed() * 20);
        tritonMetric(page, "nv_inference_pending_request_count", "gauge",
                "Instantaneous number of pending requests awaiting execution per-model.", labels, s.waiting());
        tritonMetric(page, "nv_cpu_utilization", "gauge", "CPU utilization rate [0.0 - 1.0]", "", 0.125);
        tritonMetric(page, "nv_cpu_memory_total_bytes", "gauge", "CPU total memory (RAM), in bytes", "", 16.0e9);
        tritonMetric(page, "nv_cpu_memory_used_bytes", "gauge", "CPU used memory (RAM), in bytes", "", 2.5e9);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    /**
     * TGI: gauges for the queue and the running batch, tgi_request_duration histogram, counters without
     * _total, no HELP lines, a blank line after each family.
     */
    static String tgi(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.PLAIN, false, ctx.corrupt("tgi_queue_size"));
        tgiMetric(page, "tgi_request_count", "counter", s.arrivals());
        tgiMetric(page, "tgi_request_success", "counter", s.completed());
        tgiMetric(page, "tgi_batch_current_max_tokens", "gauge", s.running() * 512);
        tgiMetric(page, "tgi_batch_current_size", "gauge", s.running());
        tgiMetric(page, "tgi_queue_size", "gauge", s.waiting());
        tgiHistogram(page, "tgi_request_duration", s.tgiSeconds());
        tgiHistogram(page, "tgi_request_inference_duration",
                Histogram.ofTotals(Histogram.TGI_DURATION, s.completed(), s.runningNanos() / 1e9));
        tgiHistogram(page, "tgi_request_queue_duration",
                Histogram.ofTotals(Histogram.TGI_DURATION, s.completed(), s.waitingNanos() / 1e9));
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    private static void torchServeMetric(TextPage page, String name, String type, String unit, String labels,
                                         double value) {
        String help = "Torchserve prometheus " + type + " metric with unit: " + unit;
        page.family(name, type, help).sample(name, labels, value);
    }

    private static void tritonMetric(TextPage page, String name, String type, String help, String labels,
                                     double value) {
        page.family(name, type, help).sample(name, labels, value);
    }

    private static void tgiMetric(TextPage page, String name, String type, double value) {
        page.family(name, type, null).sample(name, "", value).blankLine();
    }

    private static void tgiHistogram(TextPage page, String name, Histogram h) {
        page.family(name, "histogram", null).histogramSamples(name, "", h, false).blankLine();
    }

    /** Triton's counters are integers of whole microseconds. */
    private static long micros(long nanos) {
        return nanos / 1000;
    }
}
