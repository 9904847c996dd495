package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.ObjectReference;
import dev.hpa.adapter.pods.LabelSelector;
import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Writes a MetricValueList in the wire shape of either API version, from the one model both share. */
final class MetricValueWriter {

    private MetricValueWriter() {}

    static byte[] write(ApiVersion version, List<MetricValue> values, LabelSelector metricSelector) {
        return KubeJson.bytes(json -> {
            json.writeStartObject();
            json.writeStringField("kind", "MetricValueList");
            json.writeStringField("apiVersion", version.groupVersion());
            json.writeObjectFieldStart("metadata");
            json.writeEndObject();
            json.writeArrayFieldStart("items");
            for (MetricValue value : values) {
                writeItem(json, version, value, metricSelector);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** The only place the versions differ: metric name and selector placement, and the window's field name. */
    private static void writeItem(JsonGenerator json, ApiVersion version, MetricValue v, LabelSelector selector)
            throws IOException {
        json.writeStartObject();
        writeObjectReference(json, v.describedObject());
        switch (version) {
            case V1BETA1 -> json.writeStringField("metricName", v.metric());
            case V1BETA2 -> {
                json.writeObjectFieldStart("metric");
                json.writeStringField("name", v.metric());
                writeSelector(json, selector);
                json.writeEndObject();
            }
        }
        json.writeStringField("timestamp", DateTimeFormatter.ISO_INSTANT.format(v.timestamp()));
        json.writeNumberField(version == ApiVersion.V1BETA1 ? "window" : "windowSeconds", v.windowSeconds());
        json.writeStringField("value", Quantities.milli(v.milliValue()));
        if (version == ApiVersion.V1BETA1) {
            writeSelector(json, selector);
        }
        json.writeEndObject();
    }

    private static void writeObjectReference(JsonGenerator json, ObjectReference ref) throws IOException {
        json.writeObjectFieldStart("describedObject");
        json.writeStringField("kind", ref.kind());
        if (ref.namespace() != null) {
            json.writeStringField("namespace", ref.namespace());
        }
        json.writeStringField("name", ref.name());
        json.writeStringField("apiVersion", ref.apiVersion());
        json.writeEndObject();
    }

    /**
     * Echoes the metricLabelSelector as a metav1.LabelSelector, as other adapters do; null when there was none.
     * Equalities become matchLabels, the rest matchExpressions.
     */
    private static void writeSelector(JsonGenerator json, LabelSelector selector) throws IOException {
        json.writeFieldName("selector");
        if (selector.isEverything()) {
            json.writeNull();
            return;
        }
        json.writeStartObject();
        List<LabelSelector.Requirement> expressions = new ArrayList<>();
        boolean labelsOpen = false;
        for (LabelSelector.Requirement r : selector.requirements()) {
            if (r.operator() != LabelSelector.Operator.EQUALS) {
                expressions.add(r);
                continue;
            }
            if (!labelsOpen) {
                json.writeObjectFieldStart("matchLabels");
                labelsOpen = true;
            }
            json.writeStringField(r.key(), r.values().get(0));
        }
        if (labelsOpen) {
            json.writeEndObject();
        }
        if (!expressions.isEmpty()) {
            json.writeArrayFieldStart("matchExpressions");
            for (LabelSelector.Requirement r : expressions) {
                json.writeStartObject();
                json.writeStringField("key", r.key());
                json.writeStringField("operator", operatorName(r.operator()));
                if (!r.values().isEmpty()) {
                    json.writeArrayFieldStart("values");
                    for (String value : r.values()) {
                        json.writeString(value);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    private static String operatorName(LabelSelector.Operator op) {
        return switch (op) {
            case IN, EQUALS -> "In";
            case NOT_IN, NOT_EQUALS -> "NotIn";
            case EXISTS -> "Exists";
            case DOES_NOT_EXIST -> "DoesNotExist";
            case GREATER_THAN -> "Gt";
            case LESS_THAN -> "Lt";
        };
    }
}
