package dev.hpa.adapter.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Objects;

/**
 * One report of Knative's queue-proxy sidecar: the {@code Stat} protobuf served on {@code :9090/metrics}.
 *
 * @param podName                          the pod the report is about
 * @param averageConcurrentRequests        time-weighted average in-flight requests over the last period
 * @param averageProxiedConcurrentRequests the part of it that came through the activator
 * @param requestCount                     requests per second (already divided by the period)
 * @param proxiedRequestCount              the part of it that came through the activator
 * @param processUptime                    seconds since queue-proxy started
 * @param timestamp                        not set by queue-proxy; 0 when absent
 */
public record QueueProxyStat(String podName, double averageConcurrentRequests, double averageProxiedConcurrentRequests,
        double requestCount, double proxiedRequestCount, double processUptime, long timestamp) {

    private static final String[] FIELD_NAMES = {"", "pod_name", "average_concurrent_requests",
        "average_proxied_concurrent_requests", "request_count", "proxied_request_count", "process_uptime", "timestamp"};
    private static final String[] WIRE_TYPE_NAMES = {"varint", "64-bit", "length-delimited", "", "", "32-bit"};
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    /**
     * Decodes {@code body[0, length)}. Written by hand rather than with a protobuf runtime: the message
     * is seven scalar fields and the adapter has no other use for one.
     *
     * @throws MetricsFormatException if the bytes are not a valid {@code Stat}; the message names the offset
     */
    public static QueueProxyStat decode(byte[] body, int length) throws MetricsFormatException {
        Objects.checkFromIndexSize(0, length, body.length);
        WireReader in = new WireReader(body, length);
        // proto3 leaves out fields at their default, so an idle pod's report is little more than its name.
        String podName = "";
        double[] doubles = new double[FIELD_NAMES.length]; // indexed by field number, 2 to 6 used
        long timestamp = 0;
        while (in.hasMore()) {
            int tagOffset = in.offset();
            long tag = in.varint();
            long field = tag >>> 3;
            int wireType = (int) (tag & 7);
            if (field == 0 || field > 0x1FFF_FFFF) {
                throw in.error(tagOffset, "field number " + field + " is out of range");
            }
            if (wireType > FIXED32) {
                throw in.error(tagOffset, "wire type " + wireType + " does not exist");
            }
            if (wireType == 3 || wireType == 4) {
                throw in.error(tagOffset, "wire type " + wireType + " (group) is not used in proto3");
            }
            if (field == 1) {
                in.require(tagOffset, field, wireType, LENGTH_DELIMITED);
                podName = in.string();
            } else if (field <= 6) {
                in.require(tagOffset, field, wireType, FIXED64);
                doubles[(int) field] = Double.longBitsToDouble(in.fixed64());
            } else if (field == 7) {
                in.require(tagOffset, field, wireType, VARINT);
                timestamp = in.varint();
            } else {
                in.skip(wireType); // a newer Knative may add fields; older readers must skip them
            }
        }
        return new QueueProxyStat(podName, doubles[2], doubles[3], doubles[4], doubles[5], doubles[6], timestamp);
    }

    /** A cursor over protobuf wire format with bounds checks that say where the bytes went wrong. */
    private static final class WireReader {
        private final byte[] body;
        private final int end;
        private int pos;

        WireReader(byte[] body, int end) {
            this.body = body;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        int offset() {
            return pos;
        }

        long varint() throws MetricsFormatException {
            int start = pos;
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos == end) {
                    throw error(start, "truncated varint, the body ends at " + end);
                }
                byte b = body[pos++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw error(start, "varint is longer than 10 bytes");
        }

        long fixed64() throws MetricsFormatException {
            claim(8, "a 64-bit value");
            long bits = 0;
            for (int i = 7; i >= 0; i--) { // little-endian
                bits = bits << 8 | (body[pos - 8 + i] & 0xFF);
            }
            return bits;
        }

        String string() throws MetricsFormatException {
            int length = length();
            pos += length;
            return new String(body, pos - length, length, UTF_8);
        }

        void skip(int wireType) throws MetricsFormatException {
            switch (wireType) {
                case VARINT -> varint();
                case FIXED64 -> claim(8, "a 64-bit value");
                case LENGTH_DELIMITED -> {
                    int length = length(); // not "pos += length()": that would add to pos as it was before the varint
                    pos += length;
                }
                default -> claim(4, "a 32-bit value"); // FIXED32, the only valid type left
            }
        }

        private int length() throws MetricsFormatException {
            int lengthOffset = pos;
            long length = varint();
            if (length < 0 || length > end - pos) {
                throw error(lengthOffset, "length " + length + " runs past the end of the " + end + "-byte body");
            }
            return (int) length;
        }

        void require(int tagOffset, long field, int wireType, int expected) throws MetricsFormatException {
            if (wireType != expected) {
                throw error(tagOffset, "field %d (%s) has wire type %d (%s), expected %d (%s)".formatted(field,
                        FIELD_NAMES[(int) field], wireType, WIRE_TYPE_NAMES[wireType], expected, WIRE_TYPE_NAMES[expected]));
            }
        }

        private void claim(int bytes, String what) throws MetricsFormatException {
            if (end - pos < bytes) {
                throw error(pos, "expected %d bytes for %s, found %d".formatted(bytes, what, end - pos));
            }
            pos += bytes;
        }

        MetricsFormatException error(int offset, String message) {
            return new MetricsFormatException("Stat at offset " + offset + ": " + message);
        }
    }
}
