package dev.hpa.adapter.testing;

/**
 * Pages written by the Go Prometheus client: an OTel-instrumented HTTP server, Knative's queue-proxy before 1.6,
 * which served its autoscaler stats as text gauges, and queue-proxy's user metrics on :9091 before and from 1.19.
 * Go number spelling, sorted label names.
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

    /** OpenCensus' default latency buckets as Knative ≤1.18 configured them for revision_request_latencies (ms). */
    private static final double[] OPENCENSUS_MILLIS =
            {5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 2000, 5000,
                10000, 20000, 50000, 100000};

    /**
     * Knative ≤1.18 queue-proxy user metrics on :9091 (OpenCensus' Prometheus exporter): the request count and
     * the latency histogram in milliseconds, per response code, with the revision's labels.
     */
    static String knativeUserOpenCensus(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.GO, false, ctx.corrupt("revision_request_latencies_sum"));
        String configuration = ctx.model() + "-predictor";
        String labels = "configuration_name=\"" + configuration + "\",container_name=\"queue-proxy\","
                + "namespace_name=\"default\",pod_name=\"" + ctx.pod() + "\",response_code=\"200\","
                + "response_code_class=\"2xx\",revision_name=\"" + configuration + "-00001\",service_name=\""
                + configuration + "\"";
        page.family("revision_request_count", "counter", "The number of requests that are routed to queue-proxy")
                .sample("revision_request_count", labels, s.completed());
        page.family("revision_request_latencies", "histogram", "The response time in millisecond")
                .histogramSamples("revision_request_latencies", labels, Histogram.ofTotals(OPENCENSUS_MILLIS,
                        s.completed(), s.latencyNanos() / 1e6), false);
        BulkFamilies.go(page);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    /**
     * Knative ≥1.19 queue-proxy on :9091 with {@code request-metrics-protocol: prometheus} (OTel's Prometheus
     * exporter, unit suffixes): the user container's invocation duration, the queue depth gauge, and otelhttp's
     * server duration around the whole proxy. No active-requests gauge: otelhttp does not record one.
     */
    static String knativeUserOtel(LoadSnapshot s, PageContext ctx) {
        TextPage page = new TextPage(TextPage.Numbers.GO, false,
                ctx.corrupt("kn_serving_invocation_duration_seconds_sum"));
        String scope = "otel_scope_name=\"knative.dev/serving/pkg/queue\",otel_scope_version=\"\"";
        page.family("kn_serving_invocation_duration_seconds", "histogram", "The duration of task execution")
                .histogramSamples("kn_serving_invocation_duration_seconds",
                        "http_response_status_code=\"200\"," + scope, s.otelSeconds(), false);
        page.family("kn_serving_queue_depth", "gauge", "Number of current requests in the queue")
                .sample("kn_serving_queue_depth", scope, s.waiting());
        String server = "http_request_method=\"POST\",http_response_status_code=\"200\","
                + "network_protocol_name=\"http\",network_protocol_version=\"1.1\"," + OTEL_SCOPE
                + ",server_address=\"127.0.0.1\",server_port=\"8012\",url_scheme=\"http\"";
        page.family("http_server_request_duration_seconds", "histogram", "Duration of HTTP server requests.")
                .histogramSamples("http_server_request_duration_seconds", server, s.otelSeconds(), false);
        BulkFamilies.go(page);
        page.family("target_info", "gauge", "Target metadata")
                .sample("target_info", "k8s_pod_name=\"" + ctx.pod() + "\",service_name=\"queue-proxy\","
                        + "telemetry_sdk_language=\"go\",telemetry_sdk_name=\"opentelemetry\","
                        + "telemetry_sdk_version=\"1.37.0\"", 1);
        BulkFamilies.unrelated(page);
        return page.finish();
    }

    private static void gauge(TextPage page, String name, String help, String labels, double value) {
        page.family(name, "gauge", help).sample(name, labels, value);
    }
}
