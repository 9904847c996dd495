package dev.hpa.adapter.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Knative's autoscaler {@code Stat} for one reporting period, and its proto3 wire form written by hand
 * (the adapter must decode it the same way, without a protobuf runtime).
 *
 * @param averageConcurrency ∫ in-flight dt / period length over the last period
 * @param requestsPerSecond  arrivals in the last period / the nominal 1 s period (as ProtobufStatsReporter divides)
 * @param processUptime      seconds since the server started, at the report
 */
record StatMessage(double averageConcurrency, double requestsPerSecond, double processUptime) {
    /** Before the first tick queue-proxy serves a Stat with nothing but the pod name. */
    static final StatMessage BEFORE_FIRST_REPORT = new StatMessage(0, 0, 0);

    private static final int POD_NAME = 1;
    private static final int AVERAGE_CONCURRENT_REQUESTS = 2;
    private static final int REQUEST_COUNT = 4;
    private static final int PROCESS_UPTIME = 6;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED64 = 1;

    /** The message as queue-proxy marshals it: fields in number order, zero values omitted (proto3). */
    byte[] encode(String podName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        if (!podName.isEmpty()) {
            byte[] name = podName.getBytes(StandardCharsets.UTF_8);
            varint(out, POD_NAME << 3 | LENGTH_DELIMITED);
            varint(out, name.length);
            out.writeBytes(name);
        }
        fixed64(out, AVERAGE_CONCURRENT_REQUESTS, averageConcurrency);
        fixed64(out, REQUEST_COUNT, requestsPerSecond);
        fixed64(out, PROCESS_UPTIME, processUptime);
        return out.toByteArray();
    }

    /**
     * Tag and length of an unknown length-delimited field (number 15) that {@code padBytes} bytes of payload
     * follow: valid protobuf that decoders must skip, used to make a Stat page huge.
     */
    static byte[] paddingFieldHeader(long padBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(12);
        varint(out, 15 << 3 | LENGTH_DELIMITED);
        varint(out, padBytes);
        return out.toByteArray();
    }

    private static void fixed64(ByteArrayOutputStream out, int field, double value) {
        if (value == 0) {
            return; // proto3 does not write default values
        }
        varint(out, field << 3 | FIXED64);
        long bits = Double.doubleToLongBits(value);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)) & 0xFF); // little-endian
        }
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }
}
