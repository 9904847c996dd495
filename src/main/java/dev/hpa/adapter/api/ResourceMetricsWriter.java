package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hpa.adapter.derive.ResourceUsage.NodeUsage;
import dev.hpa.adapter.derive.ResourceUsage.PodUsage;
import dev.hpa.adapter.window.Usage;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes metrics.k8s.io/v1beta1 documents in metrics-server's wire shape: Go's field order, {@code window} as a
 * Go duration, CPU in nanocores and memory in binary units, {@code creationTimestamp} the time of the answer.
 */
final class ResourceMetricsWriter {

    static final String GROUP_VERSION = "metrics.k8s.io/v1beta1";

    private ResourceMetricsWriter() {}

    static byte[] podList(List<PodUsage> pods, long nowMillis) {
        return list("PodMetricsList", json -> {
            for (PodUsage pod : pods) {
                writePod(json, pod, nowMillis, false);
            }
        });
    }

    static byte[] pod(PodUsage pod, long nowMillis) {
        return KubeJson.bytes(json -> writePod(json, pod, nowMillis, true));
    }

    static byte[] nodeList(List<NodeUsage> nodes, long nowMillis) {
        return list("NodeMetricsList", json -> {
            for (NodeUsage node : nodes) {
                writeNode(json, node, nowMillis, false);
            }
        });
    }

    static byte[] node(NodeUsage node, long nowMillis) {
        return KubeJson.bytes(json -> writeNode(json, node, nowMillis, true));
    }

    private static byte[] list(String kind, KubeJson.Body items) {
        return KubeJson.bytes(json -> {
            json.writeStartObject();
            json.writeStringField("kind", kind);
            json.writeStringField("apiVersion", GROUP_VERSION);
            json.writeObjectFieldStart("metadata");
            json.writeEndObject();
            json.writeArrayFieldStart("items");
            items.write(json);
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** Items of a list carry no kind or apiVersion, as Go encodes them. */
    private static void writePod(JsonGenerator json, PodUsage pod, long nowMillis, boolean typed) throws IOException {
        json.writeStartObject();
        if (typed) {
            json.writeStringField("kind", "PodMetrics");
            json.writeStringField("apiVersion", GROUP_VERSION);
        }
        writeMetadata(json, pod.key().name(), pod.key().namespace(), pod.labels(), nowMillis);
        json.writeStringField("timestamp", time(pod.atMillis()));
        json.writeStringField("window", GoDuration.ofMillis(pod.windowMillis()));
        json.writeArrayFieldStart("containers");
        for (Usage container : pod.containers()) {
            json.writeStartObject();
            json.writeStringField("name", container.name());
            writeUsage(json, container);
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void writeNode(JsonGenerator json, NodeUsage node, long nowMillis, boolean typed)
            throws IOException {
        json.writeStartObject();
        if (typed) {
            json.writeStringField("kind", "NodeMetrics");
            json.writeStringField("apiVersion", GROUP_VERSION);
        }
        writeMetadata(json, node.name(), null, node.labels(), nowMillis);
        json.writeStringField("timestamp", time(node.usage().atMillis()));
        json.writeStringField("window", GoDuration.ofMillis(node.usage().windowMillis()));
        writeUsage(json, node.usage());
        json.writeEndObject();
    }

    private static void writeMetadata(JsonGenerator json, String name, String namespace, Map<String, String> labels,
            long nowMillis) throws IOException {
        json.writeObjectFieldStart("metadata");
        json.writeStringField("name", name);
        if (namespace != null) {
            json.writeStringField("namespace", namespace);
        }
        json.writeStringField("creationTimestamp", time(nowMillis));
        if (!labels.isEmpty()) {
            json.writeObjectFieldStart("labels");
            for (Map.Entry<String, String> label : new TreeMap<>(labels).entrySet()) { // Go sorts map keys
                json.writeStringField(label.getKey(), label.getValue());
            }
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    /** A ResourceList: Go writes its keys sorted, cpu before memory. Memory is left out when the kubelet had none. */
    private static void writeUsage(JsonGenerator json, Usage usage) throws IOException {
        json.writeObjectFieldStart("usage");
        json.writeStringField("cpu", Quantities.nano(Math.round(usage.cores() * 1e9)));
        if (!Double.isNaN(usage.memoryBytes())) {
            json.writeStringField("memory", Quantities.bytes(Math.round(usage.memoryBytes())));
        }
        json.writeEndObject();
    }

    /** metav1.Time: RFC 3339 in whole seconds. */
    private static String time(long millis) {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(Math.floorDiv(millis, 1000)));
    }
}
