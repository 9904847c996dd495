package dev.hpa.adapter.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.hpa.adapter.derive.MetricValue;
import dev.hpa.adapter.derive.ObjectReference;
import dev.hpa.adapter.pods.LabelSelector;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a MetricValueList in the wire shape of either API version, from the one model both share.
 *
 * <p>An answer is a hundred or more items that differ only in the pod's name, the timestamp, the window and the
 * value. So the parts the items share (field names, kind, namespace, metric, the echoed selector) are encoded once
 * per answer, with Jackson so that escaping is its, and each item is those bytes copied plus its own few fields:
 * through Jackson's generator, item by item, the writer was a fifth of a 100-pod answer's CPU.
 */
final class MetricValueWriter {

    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

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
        JsonBytes out = new JsonBytes(128 + ITEM_BYTES * values.size());
        out.ascii("{\"kind\":\"MetricValueList\",\"apiVersion\":").quoted(version.groupVersion())
                .ascii(",\"metadata\":{},\"items\":[");
        byte[] selector = KubeJson.bytes(json -> writeSelector(json, metricSelector));
        Shared kind = new Shared();
        Shared namespace = new Shared();
        Shared apiVersion = new Shared();
        Shared metric = new Shared();
        for (int i = 0; i < values.size(); i++) {
            MetricValue v = values.get(i);
            ObjectReference ref = v.describedObject();
            out.ascii(i == 0 ? "{\"describedObject\":{\"kind\":" : ",{\"describedObject\":{\"kind\":")
                    .raw(kind.quoted(ref.kind()));
            if (ref.namespace() != null) {
                out.ascii(",\"namespace\":").raw(namespace.quoted(ref.namespace()));
            }
            out.ascii(",\"name\":").quoted(ref.name()).ascii(",\"apiVersion\":").raw(apiVersion.quoted(ref.apiVersion()));
            // The only place the versions differ: metric name and selector placement, and the window's field name.
            if (version == ApiVersion.V1BETA2) {
                out.ascii("},\"metric\":{\"name\":").raw(metric.quoted(v.metric())).ascii(",\"selector\":")
                        .raw(selector).ascii("},\"timestamp\":\"");
            } else {
                out.ascii("},\"metricName\":").raw(metric.quoted(v.metric())).ascii(",\"timestamp\":\"");
            }
            out.raw(timestamp(v.timestamp()).asQuotedUTF8())
                    .ascii(version == ApiVersion.V1BETA2 ? "\",\"windowSeconds\":" : "\",\"window\":")
                    .ascii(Long.toString(v.windowSeconds())).ascii(",\"value\":\"")
                    .ascii(Quantities.milli(v.milliValue())).ascii("\"");
            if (version == ApiVersion.V1BETA1) {
                out.ascii(",\"selector\":").raw(selector);
            }
            out.ascii("}");
        }
        return out.ascii("]}").toByteArray();
    }

    /** A string most items repeat (kind, namespace, metric), quoted and encoded again only when it changes. */
    private static final class Shared {
        private String text;
        private byte[] quoted;

        byte[] quoted(String value) {
            if (!value.equals(text)) {
                text = value;
                quoted = quote(value);
            }
            return quoted;
        }
    }

    private static byte[] quote(String value) {
        byte[] escaped = QUOTE.quoteAsUTF8(value);
        byte[] quoted = new byte[escaped.length + 2];
        quoted[0] = '"';
        System.arraycopy(escaped, 0, quoted, 1, escaped.length);
        quoted[quoted.length - 1] = '"';
        return quoted;
    }

    /** An append-only byte buffer, sized up front from the item count; unsynchronized, unlike ByteArrayOutputStream. */
    private static final class JsonBytes {
        private byte[] bytes;
        private int size;

        JsonBytes(int capacity) {
            bytes = new byte[capacity];
        }

        /** Text that is ASCII by construction: field names, punctuation, numbers, quantities. */
        JsonBytes ascii(String text) {
            int length = text.length();
            room(length);
            text.getBytes(0, length, bytes, size); // deprecated for its narrowing, which ASCII never needs
            size += length;
            return this;
        }

        JsonBytes quoted(String text) {
            return raw(quote(text));
        }

        JsonBytes raw(byte[] encoded) {
            room(encoded.length);
            System.arraycopy(encoded, 0, bytes, size, encoded.length);
            size += encoded.length;
            return this;
        }

        private void room(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
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
     * The metricLabelSelector echoed as a metav1.LabelSelector, as other adapters do; null when there was none.
     * Equalities become matchLabels, the rest matchExpressions.
     */
    private static void writeSelector(JsonGenerator json, LabelSelector selector) throws IOException {
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
