package dev.hpa.adapter.pods;

import java.util.Map;

/**
 * Where and how a pod publishes its load: a plain-HTTP path on the pod's IP; the path is visible ASCII, as it is
 * sent in the request line unchanged.
 *
 * @param format what the endpoint serves, which decides the Accept header and the decoder
 */
public record MetricsEndpoint(Format format, int port, String path) {

    public enum Format {
        /** Knative's queue-proxy autoscaler endpoint: one protobuf {@code Stat} (text gauges on Knative 1.5 and older). */
        QUEUE_PROXY,
        /** A model server's own Prometheus text or OpenMetrics page. */
        PROMETHEUS
    }

    static final String QUEUE_PROXY_CONTAINER = "queue-proxy";
    static final String QUEUE_PROXY_PORT_NAME = "http-autometric";
    static final int QUEUE_PROXY_DEFAULT_PORT = 9090;
    static final String KSERVE_PORT = "prometheus.kserve.io/port";
    static final String KSERVE_PATH = "prometheus.kserve.io/path";
    static final String PROMETHEUS_PORT = "prometheus.io/port";
    static final String PROMETHEUS_PATH = "prometheus.io/path";

    /** The endpoint found on a pod, or why there is none. Exactly one of the two is set. */
    public record Lookup(MetricsEndpoint endpoint, String problem) {}

    /**
     * Picks the pod's load source. Knative's queue-proxy comes first: it sees every request of every runtime,
     * queued ones included, and already averages each second. Otherwise the model server's own page, announced
     * by the runtime's {@code prometheus.kserve.io/*} annotations or, failing those, the common
     * {@code prometheus.io/*} ones.
     */
    public static Lookup of(PodFields pod) {
        PodFields.Container queueProxy = pod.getSpec() == null ? null : pod.getSpec().containers().stream()
                .filter(c -> QUEUE_PROXY_CONTAINER.equals(c.name())).findFirst().orElse(null);
        if (queueProxy != null) {
            return new Lookup(new MetricsEndpoint(Format.QUEUE_PROXY, queueProxyPort(queueProxy), "/metrics"), null);
        }
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations == null) {
            return new Lookup(null, "no queue-proxy container and no " + KSERVE_PORT + " or " + PROMETHEUS_PORT
                    + " annotation");
        }
        if (annotations.containsKey(KSERVE_PORT)) {
            return fromAnnotations(annotations, KSERVE_PORT, KSERVE_PATH);
        }
        if (annotations.containsKey(PROMETHEUS_PORT)) {
            return fromAnnotations(annotations, PROMETHEUS_PORT, PROMETHEUS_PATH);
        }
        return new Lookup(null, "no queue-proxy container and no " + KSERVE_PORT + " or " + PROMETHEUS_PORT
                + " annotation");
    }

    private static int queueProxyPort(PodFields.Container queueProxy) {
        for (PodFields.Port port : queueProxy.ports()) {
            if (QUEUE_PROXY_PORT_NAME.equals(port.name()) && port.containerPort() != null) {
                return port.containerPort();
            }
        }
        return QUEUE_PROXY_DEFAULT_PORT;
    }

    private static Lookup fromAnnotations(Map<String, String> annotations, String portKey, String pathKey) {
        String portText = annotations.get(portKey).trim();
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            return new Lookup(null, "annotation " + portKey + "=\"" + portText + "\" is not a port number");
        }
        if (port < 1 || port > 65535) {
            return new Lookup(null, "annotation " + portKey + "=\"" + portText + "\" is not a port number");
        }
        String path = annotations.getOrDefault(pathKey, "/metrics").trim();
        if (!path.startsWith("/")) {
            return new Lookup(null, "annotation " + pathKey + "=\"" + path + "\" must start with /");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            // It goes into the request line as it is: a space or a line break would end the path there and let a
            // pod's annotation add headers, or a second request, to the adapter's scrape.
            if (c <= ' ' || c >= 0x7f) {
                return new Lookup(null, "annotation " + pathKey + "=\"" + path.replace("\r", "\\r")
                        .replace("\n", "\\n") + "\" holds a space, a control or a non-ASCII character at "
                        + (i + 1) + ": percent-encode it");
            }
        }
        return new Lookup(new MetricsEndpoint(Format.PROMETHEUS, port, path), null);
    }

    @Override
    public String toString() {
        return ":" + port + path;
    }
}
