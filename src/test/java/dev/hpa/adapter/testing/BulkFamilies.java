package dev.hpa.adapter.testing;

/**
 * Families a real page carries besides the ones the adapter wants (runtime, process, unrelated app metrics),
 * so that parsers must skip unwanted families for real, histograms and summaries included.
 */
final class BulkFamilies {
    private static final String[] TOPICS = {
            "cache_hits", "cache_misses", "tokenizer_calls", "grpc_calls", "health_checks",
            "config_reloads", "log_lines", "batch_flushes", "worker_restarts", "model_loads"};
    private static final Histogram PAYLOAD_BYTES = payloadSizes();

    private BulkFamilies() {
    }

    /** The process collector both Python and Go clients register by default. */
    static void process(TextPage page, double startEpochSeconds, double uptimeSeconds) {
        gauge(page, "process_virtual_memory_bytes", "Virtual memory size in bytes.", 2.147483648e9);
        gauge(page, "process_resident_memory_bytes", "Resident memory size in bytes.", 3.1457280e8);
        gauge(page, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                startEpochSeconds);
        page.counterFamily("process_cpu_seconds", "Total user and system CPU time spent in seconds.")
                .sample("process_cpu_seconds_total", "", 0.37 * uptimeSeconds);
        gauge(page, "process_open_fds", "Number of open file descriptors.", 42);
        gauge(page, "process_max_fds", "Maximum number of open file descriptors.", 1048576);
    }

    /** prometheus_client's gc and platform collectors. */
    static void python(TextPage page) {
        gcCounter(page, "python_gc_objects_collected", "Objects collected during gc", 1843, 312, 27);
        gcCounter(page, "python_gc_objects_uncollectable", "Uncollectable objects found during GC", 0, 0, 0);
        gcCounter(page, "python_gc_collections", "Number of times this generation was collected", 402, 36, 3);
        page.family("python_info", "gauge", "Python platform information")
                .sample("python_info",
                        "implementation=\"CPython\",major=\"3\",minor=\"11\",patchlevel=\"9\",version=\"3.11.9\"", 1);
    }

    /** The Go client's runtime collector, with its summary (a family type the adapter never wants). */
    static void go(TextPage page) {
        page.family("go_gc_duration_seconds", "summary", "A summary of the pause duration of garbage collection cycles.");
        String[] quantiles = {"0", "0.25", "0.5", "0.75", "1"};
        for (int i = 0; i < quantiles.length; i++) {
            page.sample("go_gc_duration_seconds", "quantile=\"" + quantiles[i] + "\"", 2.1e-05 * (i + 1));
        }
        page.sample("go_gc_duration_seconds_sum", "", 0.0123).sample("go_gc_duration_seconds_count", "", 97);
        gauge(page, "go_goroutines", "Number of goroutines that currently exist.", 37);
        gauge(page, "go_memstats_alloc_bytes", "Number of bytes allocated and still in use.", 5.123456e6);
        gauge(page, "go_threads", "Number of OS threads created.", 12);
        page.family("go_info", "gauge", "Information about the Go environment.")
                .sample("go_info", "version=\"go1.22.5\"", 1);
    }

    /** Twenty app families and a 20-bucket histogram with two series: the bulk a parser wades through. */
    static void unrelated(TextPage page) {
        for (String topic : TOPICS) {
            page.counterFamily("server_" + topic, "Count of " + topic.replace('_', ' ') + ".")
                    .sample("server_" + topic + "_total", "", topic.length() * 1000);
            gauge(page, "server_" + topic + "_last_seconds", "Seconds since the last of " + topic + ".", 0.5);
        }
        page.family("server_payload_size_bytes", "histogram", "Size of request payloads.")
                .histogramSamples("server_payload_size_bytes", "endpoint=\"health\"", PAYLOAD_BYTES, false)
                .histogramSamples("server_payload_size_bytes", "endpoint=\"predict\"", PAYLOAD_BYTES, false);
    }

    private static void gauge(TextPage page, String name, String help, double value) {
        page.family(name, "gauge", help).sample(name, "", value);
    }

    private static void gcCounter(TextPage page, String name, String help, double... perGeneration) {
        page.counterFamily(name, help);
        for (int generation = 0; generation < perGeneration.length; generation++) {
            page.sample(name + "_total", "generation=\"" + generation + "\"", perGeneration[generation]);
        }
    }

    private static Histogram payloadSizes() {
        double[] bounds = new double[19]; // + the implicit +Inf bucket = 20
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = 64L << i;
        }
        Histogram h = new Histogram(bounds);
        for (int i = 0; i < 500; i++) {
            h.observe(100 + 37 * i * i);
        }
        return h;
    }
}
