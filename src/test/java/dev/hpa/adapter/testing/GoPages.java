package dev.hpa.adapter.testing;

/**
 * Pages written by the Go Prometheus client: an OTel-instrumented HTTP server, and Knative's queue-proxy
 * before 1.6, which served its autoscaler stats as text gauges. Go number spelling, sorted label names.
 */
final class GoPages {
    private static final String OTEL_SCOPE =
            "otel_scope_name=\"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp\",otel_scope_version=\"0.61.0\"";

    private GoPages() {
    }

    /** OTel semconv HTTP metrics through the Prometheus exporter: active-requests gauge and duration histogram. */
    static String otelHttp(LoadSnapshot s, PageContext ctx, int port) {
        TextPage page = new TextPage(TextPage.Numbers.GO, false, ctx.corrupt("http_server_active_requests"));
        BulkFamilies.go(page);
        String server = "server_address=\"127.0.0.1\",server_port=\"" + port + "\",url_scheme=\"http\"";
        page.family("http_server_active_requests", "gauge", "Number of active HTTP server requests.")
                .sample("http_server_active_requests",
                        "http_request_method=\"POST\"," + OTEL_SCOPE + "," + server, s.inFlight());
        String completed = "http_request_method=\"POST\",http_response_status_code=\"200\","
                + "network_protocol_name=\"http\",network_protocol_version=\"1.1\"," + OTEL_SCOPE + "," + server;
        page.family("http_server_request_body_size_bytes", "histogram", "Size of HTTP server request bodies.")
                .histogramSamples("http_server_request_body_size_bytes", completed,
                        Histogram.ofTotals(new double[] {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000},
                                s.completed(), s.completed() * 40.0), false);
        page.family("http_server_request_duration_seconds", "histogram", "Duration of HTTP server requests.")
                .histogramSamples("http_server_request_duration_seconds", completed, s.otelSeconds(), false);
        BulkFamilies.process(page, ctx.startEpochSeconds(), s.uptimeSeconds());
        page.family("target_info", "gauge", "Target metadata")
                .sample("target_info", "service_name=\"" + ctx.model() + "\",telemetry_sdk_language=\"go\","
                        + "telemetry_sdk_name=\"opentelemetry\",telemetry_sdk_version=\"1.36.0\"", 1);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    /**
     * Knative ≤1.5 queue-proxy on :9090 without Accept: application/protobuf: the last reporting period's
     * averages as gauges (the same numbers the protobuf Stat carries).
     */
    static String knativeLegacy(StatMessage stat, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.GO, false, ctx.corrupt("queue_average_concurrent_requests"));
        String configuration = ctx.model() + "-predictor";
        String labels = "destination_configuration=\"" + configuration + "\",destination_namespace=\"default\","
                + "destination_pod=\"" + ctx.pod() + "\",destination_revision=\"" + configuration + "-00001\"";
        gauge(page, "process_uptime", "The number of seconds that the process has been up", labels,
                stat.processUptime());
        gauge(page, "queue_average_concurrent_requests", "Number of requests currently being handled by this pod",
                labels, stat.averageConcurrency());
        gauge(page, "queue_average_proxied_concurrent_requests",
                "Number of proxied requests currently being handled by this pod", labels, 0);
        gauge(page, "queue_proxied_operations_per_second", "Number of proxied requests per second", labels, 0);
        gauge(page, "queue_requests_per_second", "Number of requests per second", labels, stat.requestsPerSecond());
        BulkFamilies.go(page);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    private static void gauge(TextPage page, String name, String help, String labels, double value) {
        page.family(name, "gauge", help).sample(name, labels, value);
    }
}
