package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.ObjectReference;
import dev.hpa.adapter.pods.LabelSelector;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Writes a MetricValueList in the wire shape of either API version, from the one model both share. */
final class MetricValueWriter {

    // An answer repeats the same field names and object kinds per item: quoted and encoded once here, not per
    // item (Jackson's escaping loop was a tenth of a 100-pod answer's CPU).
    private static final SerializedString DESCRIBED_OBJECT = new SerializedString("describedObject");
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString NAMESPACE = new SerializedString("namespace");
    private static final SerializedString NAME = new SerializedString("name");
    private static final SerializedString API_VERSION = new SerializedString("apiVersion");
    private static final SerializedString METRIC = new SerializedString("metric");
    private static final SerializedString METRIC_NAME = new SerializedString("metricName");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString WINDOW = new SerializedString("window");
    private static final SerializedString WINDOW_SECONDS = new SerializedString("windowSeconds");
    private static final SerializedString VALUE = new SerializedString("value");

    /**
     * The last few whole-second timestamps, formatted. The values of one answer were read within a scrape interval
     * or two, so they share a handful of seconds; formatting each with {@link DateTimeFormatter#ISO_INSTANT} went
     * through LocalDateTime.toString and was another 7 % of an answer. Slots hold immutable pairs, so a racing
     * reader sees either the old pair or the new one, both correct.
     */
    private static final FormattedSecond[] TIMESTAMPS = new FormattedSecond[8];

    private record FormattedSecond(long epochSecond, SerializedString text) {}

    private MetricValueWriter() {}

    /** What one item takes on the wire, about: a pod's item is 200–250 bytes. */
    private static final int ITEM_BYTES = 256;

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
        }, 128 + ITEM_BYTES * values.size());
    }

    /** The only place the versions differ: metric name and selector placement, and the window's field name. */
    private static void writeItem(JsonGenerator json, ApiVersion version, MetricValue v, LabelSelector selector)
            throws IOException {
        json.writeStartObject();
        writeObjectReference(json, v.describedObject());
        switch (version) {
            case V1BETA1 -> {
                json.writeFieldName(METRIC_NAME);
                json.writeString(v.metric());
            }
            case V1BETA2 -> {
                json.writeFieldName(METRIC);
                json.writeStartObject();
                json.writeFieldName(NAME);
                json.writeString(v.metric());
                writeSelector(json, selector);
                json.writeEndObject();
            }
        }
        json.writeFieldName(TIMESTAMP);
        json.writeString(timestamp(v.timestamp()));
        json.writeFieldName(version == ApiVersion.V1BETA1 ? WINDOW : WINDOW_SECONDS);
        json.writeNumber(v.windowSeconds());
        json.writeFieldName(VALUE);
        json.writeString(Quantities.milli(v.milliValue()));
        if (version == ApiVersion.V1BETA1) {
            writeSelector(json, selector);
        }
        json.writeEndObject();
    }

    private static void writeObjectReference(JsonGenerator json, ObjectReference ref) throws IOException {
        json.writeFieldName(DESCRIBED_OBJECT);
        json.writeStartObject();
        json.writeFieldName(KIND);
        json.writeString(ref.kind());
        if (ref.namespace() != null) {
            json.writeFieldName(NAMESPACE);
            json.writeString(ref.namespace());
        }
        json.writeFieldName(NAME);
        json.writeString(ref.name());
        json.writeFieldName(API_VERSION);
        json.writeString(ref.apiVersion());
        json.writeEndObject();
    }

    /** RFC 3339 as metav1.Time writes it; the values' timestamps are whole seconds (see PodMetrics). */
    static SerializableString timestamp(Instant t) {
        if (t.getNano() != 0) {
            return new SerializedString(DateTimeFormatter.ISO_INSTANT.format(t));
        }
        long second = t.getEpochSecond();
        int slot = (int) Math.floorMod(second, TIMESTAMPS.length);
        FormattedSecond cached = TIMESTAMPS[slot];
        if (cached == null || cached.epochSecond() != second) {
            cached = new FormattedSecond(second, new SerializedString(DateTimeFormatter.ISO_INSTANT.format(t)));
            TIMESTAMPS[slot] = cached;
        }
        return cached.text();
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
